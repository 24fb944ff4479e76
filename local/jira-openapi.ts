import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { existsSync, readFileSync } from 'node:fs';
import { PRUNED_SPEC_PATH } from './jira-openapi-prune';

/**
 * Checks a Jira REST call against Atlassian's OpenAPI document (the pruned copy in local/jira-openapi.json):
 * the path and method must be an operation of the spec, every query parameter one it declares,
 * path parameters present, and a JSON body valid against the operation's request schema.
 */

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: unknown;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: unknown;
}

export interface MatchedOperation {
  template: string;
  method: string;
  pathParams: Record<string, string>;
  operation: Operation;
}

function findSpecFile(): string {
  // The pruned copy kept in the repository (scripts/prune-jira-openapi.ts); JIRA_OPENAPI_SPEC may name
  // another one (the full document, say) for a one-off check.
  const path = process.env.JIRA_OPENAPI_SPEC || PRUNED_SPEC_PATH;
  if (!existsSync(path)) throw new Error(`Jira OpenAPI document not found at ${path}: run npm run jira-openapi`);
  return path;
}

export class JiraOpenApi {
  private readonly spec: Spec;
  private readonly ajv: Ajv;
  private readonly routes: { re: RegExp; names: string[]; template: string }[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(specPath = findSpecFile()) {
    this.spec = JSON.parse(readFileSync(specPath, 'utf8')) as Spec;
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ components: this.spec.components }, 'jira');
    // Literal paths before templated ones, so /issue/picker never matches /issue/{issueIdOrKey}.
    this.routes = Object.keys(this.spec.paths)
      .map((template) => {
        const names: string[] = [];
        const re = new RegExp('^' + template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, n: string) => (names.push(n), '([^/]+)')) + '$');
        return { re, names, template };
      })
      .sort((a, b) => a.names.length - b.names.length);
  }

  match(method: string, pathname: string): MatchedOperation | { error: string } {
    const m = method.toLowerCase();
    const allowed: string[] = [];
    for (const r of this.routes) {
      const hit = r.re.exec(pathname);
      if (!hit) continue;
      const op = this.spec.paths[r.template]?.[m];
      if (!op) {
        allowed.push(...Object.keys(this.spec.paths[r.template] ?? {}));
        continue;
      }
      const pathParams: Record<string, string> = {};
      r.names.forEach((n, i) => (pathParams[n] = decodeURIComponent(hit[i + 1] ?? '')));
      return { template: r.template, method: m, pathParams, operation: op };
    }
    return { error: allowed.length ? `${method} not allowed on ${pathname} (spec has ${allowed.join(', ')})` : `no operation ${method} ${pathname} in the Jira OpenAPI spec` };
  }

  private validator(key: string, schema: unknown): ValidateFunction {
    let v = this.validators.get(key);
    if (!v) {
      // Re-root $refs of the operation's schema at the registered spec document.
      const rerooted = JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"jira#/components/'));
      v = this.ajv.compile(rerooted as object);
      this.validators.set(key, v);
    }
    return v;
  }

  /** Every problem with a request; empty when the spec accepts it. */
  checkRequest(op: MatchedOperation, query: URLSearchParams, body: unknown, hasBody: boolean): string[] {
    const problems: string[] = [];
    const params = op.operation.parameters ?? [];
    for (const p of params) if (p.in === 'path' && !op.pathParams[p.name]) problems.push(`path parameter ${p.name} missing`);
    for (const name of new Set(query.keys())) {
      if (!params.some((p) => p.in === 'query' && p.name === name)) problems.push(`query parameter "${name}" is not declared for ${op.method.toUpperCase()} ${op.template}`);
    }
    for (const p of params) if (p.in === 'query' && p.required && !query.has(p.name)) problems.push(`required query parameter ${p.name} missing`);
    const rb = op.operation.requestBody;
    if (rb) {
      if (!hasBody && rb.required) problems.push('request body required');
      const schema = rb.content?.['application/json']?.schema;
      if (hasBody && schema !== undefined) {
        const v = this.validator(`req ${op.method} ${op.template}`, schema);
        if (!v(body)) problems.push(...(v.errors ?? []).map((e) => `body${e.instancePath} ${e.message ?? ''}`));
      }
    } else if (hasBody) {
      problems.push(`${op.method.toUpperCase()} ${op.template} takes no request body`);
    }
    return problems;
  }

  /** Problems with a response the stand-in is about to send, where the spec gives a schema. */
  checkResponse(op: MatchedOperation, status: number, body: unknown): string[] {
    const schema = op.operation.responses?.[String(status)]?.content?.['application/json']?.schema;
    if (schema === undefined) return [];
    if (!op.operation.responses?.[String(status)]) return [`status ${status} is not a documented response of ${op.method.toUpperCase()} ${op.template}`];
    const v = this.validator(`res ${status} ${op.method} ${op.template}`, schema);
    return v(body) ? [] : (v.errors ?? []).map((e) => `response${e.instancePath} ${e.message ?? ''}`);
  }

  /** Whether the spec documents this status for the operation (stand-ins must answer documented ones). */
  documents(op: MatchedOperation, status: number): boolean {
    return op.operation.responses?.[String(status)] !== undefined;
  }
}
