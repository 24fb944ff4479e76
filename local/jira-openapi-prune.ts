import { join } from 'node:path';

/**
 * Which part of Atlassian's Jira REST v3 OpenAPI document the repository keeps, and how it is cut
 * out (scripts/prune-jira-openapi.ts writes it; local/jira-openapi.ts reads it).
 */

/** Where Atlassian publishes the full document (the input of the prune script). */
export const JIRA_OPENAPI_SOURCE = 'https://developer.atlassian.com/cloud/jira/platform/swagger-v3.v3.json';

/** The pruned copy the Jira stand-in validates every call against. */
export const PRUNED_SPEC_PATH = join(__dirname, 'jira-openapi.json');

export type HttpMethod = 'get' | 'put' | 'post' | 'delete';

/**
 * The operations the app calls (src/adapters/jira-client.ts) and the ones the local platform and the
 * tests call as a Jira user would (an attacker writing an issue property, a user search). A call to
 * anything else is refused by the stand-in as "no operation in the spec".
 */
export const USED_OPERATIONS: readonly (readonly [HttpMethod, string])[] = [
  ['get', '/rest/api/3/issue/{issueIdOrKey}'],
  ['put', '/rest/api/3/issue/{issueIdOrKey}'],
  ['post', '/rest/api/3/issue/{issueIdOrKey}/comment'],
  ['get', '/rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}'],
  ['put', '/rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}'],
  ['delete', '/rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}'],
  ['get', '/rest/api/3/issue/{issueIdOrKey}/transitions'],
  ['post', '/rest/api/3/issue/{issueIdOrKey}/transitions'],
  ['get', '/rest/api/3/field'],
  ['get', '/rest/api/3/status'],
  ['get', '/rest/api/3/mypermissions'],
  ['post', '/rest/api/3/permissions/check'],
  ['get', '/rest/api/3/myself'],
  ['get', '/rest/api/3/user'],
  ['get', '/rest/api/3/user/bulk'],
  ['get', '/rest/api/3/user/search'],
  ['get', '/rest/api/3/search/jql'],
  ['post', '/rest/api/3/search/jql'],
];

interface JsonObject {
  [k: string]: unknown;
}
export interface FullSpec {
  openapi: string;
  info: JsonObject;
  servers?: unknown;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> } & JsonObject;
}
export interface PrunedSpec {
  openapi: string;
  info: JsonObject;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
}

const SCHEMA_REF = /^#\/components\/schemas\/(.+)$/;

function collectRefs(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) collectRefs(n, into);
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node as JsonObject)) {
      if (k === '$ref' && typeof v === 'string') {
        const m = SCHEMA_REF.exec(v);
        if (!m?.[1]) throw new Error(`unsupported $ref ${v}: only #/components/schemas/… is kept`);
        into.add(m[1]);
      } else {
        collectRefs(v, into);
      }
    }
  }
}

/** The listed operations and the transitive closure of the schemas they reference. */
export function pruneSpec(full: FullSpec, operations: readonly (readonly [HttpMethod, string])[], prunedOn: string): PrunedSpec {
  const paths: PrunedSpec['paths'] = {};
  const pending = new Set<string>();
  for (const [method, template] of operations) {
    const op = full.paths[template]?.[method];
    if (op === undefined) throw new Error(`the full document has no ${method.toUpperCase()} ${template}`);
    (paths[template] ??= {})[method] = op;
    collectRefs(op, pending);
  }
  const schemas: Record<string, unknown> = {};
  while (pending.size > 0) {
    const [name] = pending;
    pending.delete(name as string);
    if (name === undefined || name in schemas) continue;
    const schema = full.components.schemas[name];
    if (schema === undefined) throw new Error(`schema ${name} is referenced but not defined`);
    schemas[name] = schema;
    const more = new Set<string>();
    collectRefs(schema, more);
    for (const m of more) if (!(m in schemas)) pending.add(m);
  }
  const sorted = Object.fromEntries(Object.keys(schemas).sort().map((k) => [k, schemas[k]]));
  return {
    openapi: full.openapi,
    info: {
      ...full.info,
      'x-pruned': {
        source: JIRA_OPENAPI_SOURCE,
        sourceVersion: full.info['version'],
        prunedOn,
        by: 'scripts/prune-jira-openapi.ts',
        operations: operations.map(([m, t]) => `${m.toUpperCase()} ${t}`),
      },
    },
    paths,
    components: { schemas: sorted },
  };
}
