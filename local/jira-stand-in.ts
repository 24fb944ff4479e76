import { adfProblems } from './adf-validator';
import { JiraOpenApi, type MatchedOperation } from './jira-openapi';

/**
 * An in-memory Jira Cloud site behind the REST paths the app uses. Every call is first checked
 * against the OpenAPI spec (unknown path/method/query parameter or a body the schema rejects is a
 * violation), comment bodies against Atlassian's ADF schema, and each response it sends against
 * the spec's response schema, so the stand-in cannot drift from the real API silently.
 */

export interface SeedIssue {
  id: string;
  key: string;
  statusId: string;
  fields?: Record<string, unknown>;
  assignee?: string;
  reporter?: string;
  properties?: Record<string, unknown>;
}
export interface SeedStatus {
  id: string;
  name: string;
  category: 'new' | 'indeterminate' | 'done';
}
export interface SeedField {
  id: string;
  name: string;
  custom?: boolean;
  type?: string;
  /** `schema.custom`: the custom field type's key (for a Forge field, its extension ARI). */
  schemaCustom?: string;
}
export interface SeedTransition {
  id: string;
  name: string;
  to: string;
}
export interface JiraSeed {
  issues?: SeedIssue[];
  statuses?: SeedStatus[];
  fields?: SeedField[];
  /** Transitions offered on every issue (a global workflow), minus one to the current status. */
  transitions?: SeedTransition[];
  /** Account ids holding Administer Jira. */
  admins?: string[];
  /** Project key → account ids holding Administer Projects there. */
  projectAdmins?: Record<string, string[]>;
  /** Account ids that may browse issues (default: everyone). */
  browsers?: string[];
  /** People the user search finds (the admin page's identity-map picker). */
  users?: { accountId: string; displayName: string }[];
}

export interface StoredComment {
  id: string;
  issueKey: string;
  /** `app` when posted as the app, else the user's account id. */
  author: string;
  body: unknown;
  created: string;
}
/**
 * An outage of one operation: the next `times` calls to `method template` get `status` (Jira
 * answers 429 and 5xx on any operation, documented or not, when it is overloaded or down).
 */
export interface JiraFault {
  method: string;
  template: string;
  status: number;
  times: number;
}
export interface JiraCall {
  actor: string;
  method: string;
  path: string;
  status: number;
}

interface StoredIssue {
  id: string;
  key: string;
  statusId: string;
  fields: Record<string, unknown>;
  properties: Map<string, unknown>;
}

const CATEGORY: Record<SeedStatus['category'], { id: number; key: string; name: string }> = {
  new: { id: 2, key: 'new', name: 'To Do' },
  indeterminate: { id: 4, key: 'indeterminate', name: 'In Progress' },
  done: { id: 3, key: 'done', name: 'Done' },
};

let spec: JiraOpenApi | undefined;
const openApi = (): JiraOpenApi => (spec ??= new JiraOpenApi());

export class JiraStandIn {
  readonly issues = new Map<string, StoredIssue>();
  readonly comments: StoredComment[] = [];
  readonly calls: JiraCall[] = [];
  /** Contract violations seen so far; tests assert this stays empty. */
  readonly violations: string[] = [];
  readonly faults: JiraFault[] = [];
  statuses: SeedStatus[];
  fields: SeedField[];
  transitions: SeedTransition[];
  admins: Set<string>;
  projectAdmins: Map<string, Set<string>>;
  browsers: Set<string> | undefined;
  readonly users = new Map<string, { accountId: string; displayName: string }>();
  private nextCommentId = 10000;

  constructor(seed: JiraSeed = {}) {
    this.statuses = seed.statuses ?? [];
    this.fields = seed.fields ?? [];
    this.transitions = seed.transitions ?? [];
    this.admins = new Set(seed.admins ?? []);
    this.projectAdmins = new Map(Object.entries(seed.projectAdmins ?? {}).map(([k, v]) => [k, new Set(v)]));
    this.browsers = seed.browsers ? new Set(seed.browsers) : undefined;
    for (const u of seed.users ?? []) this.users.set(u.accountId, u);
    for (const i of seed.issues ?? []) this.addIssue(i);
  }

  addIssue(i: SeedIssue): void {
    const fields: Record<string, unknown> = { ...(i.fields ?? {}) };
    // As Jira's issue fields: a user field is the user object, with its display name.
    // https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-get
    const person = (accountId: string) => ({ accountId, ...(this.users.get(accountId) ? { displayName: this.users.get(accountId)?.displayName } : {}) });
    if (i.assignee) fields.assignee = person(i.assignee);
    if (i.reporter) fields.reporter = person(i.reporter);
    this.issues.set(i.key, { id: i.id, key: i.key, statusId: i.statusId, fields, properties: new Map(Object.entries(i.properties ?? {})) });
  }

  issue(key: string): StoredIssue {
    const i = this.issues.get(key);
    if (!i) throw new Error(`no issue ${key} in the Jira stand-in`);
    return i;
  }
  commentsOn(key: string): StoredComment[] {
    return this.comments.filter((c) => c.issueKey === key);
  }
  property(key: string, prop: string): unknown {
    return this.issue(key).properties.get(prop);
  }

  private statusJson(id: string): unknown {
    const s = this.statuses.find((x) => x.id === id);
    if (!s) return { id, name: `Status ${id}` };
    return { id: s.id, name: s.name, self: `https://example.atlassian.net/rest/api/3/status/${s.id}`, statusCategory: CATEGORY[s.category] };
  }

  private findIssue(idOrKey: string): StoredIssue | undefined {
    return this.issues.get(idOrKey) ?? [...this.issues.values()].find((i) => i.id === idOrKey);
  }

  /** Handle one requestJira call. `actor` is `app` or the acting user's account id (or undefined for an unauthenticated user call). */
  async handle(actor: string | undefined, path: string, init: { method?: string; body?: unknown; headers?: unknown } | undefined): Promise<Response> {
    const method = (init?.method ?? 'GET').toUpperCase();
    const url = new URL(path, 'https://example.atlassian.net');
    const op = openApi().match(method, url.pathname);
    if ('error' in op) return this.violation(`${method} ${path}: ${op.error}`);
    const raw = typeof init?.body === 'string' ? init.body : undefined;
    if (init?.body !== undefined && raw === undefined) return this.violation(`${method} ${path}: body must be a JSON string`);
    let body: unknown;
    if (raw !== undefined) {
      try {
        body = JSON.parse(raw);
      } catch {
        return this.violation(`${method} ${path}: body is not JSON`);
      }
    }
    const problems = openApi().checkRequest(op, url.searchParams, body, raw !== undefined);
    if (problems.length) return this.violation(`${method} ${path}: ${problems.join('; ')}`);
    if (actor === undefined) return this.reply(op, actor, 401, { errorMessages: ['not logged in'] });
    const fault = this.faults.find((f) => f.times > 0 && f.method === method && f.template === op.template);
    if (fault) {
      fault.times--;
      this.calls.push({ actor, method, path: op.template, status: fault.status });
      return new Response(JSON.stringify({ errorMessages: ['Service unavailable (injected fault)'] }), { status: fault.status, headers: { 'content-type': 'application/json' } });
    }
    const [status, json] = this.route(op, actor, url.searchParams, body);
    return this.reply(op, actor, status, json);
  }

  private violation(message: string): Response {
    this.violations.push(message);
    return new Response(JSON.stringify({ errorMessages: [`stand-in: ${message}`] }), { status: 400, headers: { 'content-type': 'application/json' } });
  }

  private reply(op: MatchedOperation, actor: string | undefined, status: number, json: unknown): Response {
    this.calls.push({ actor: actor ?? 'anonymous', method: op.method.toUpperCase(), path: op.template, status });
    if (!openApi().documents(op, status)) this.violations.push(`stand-in answered ${status}, undocumented for ${op.method.toUpperCase()} ${op.template}`);
    if (status < 300 && json !== undefined) {
      const problems = openApi().checkResponse(op, status, json);
      if (problems.length) this.violations.push(`stand-in response of ${op.method.toUpperCase()} ${op.template}: ${problems.join('; ')}`);
    }
    if (status === 204 || json === undefined) return new Response(null, { status });
    return new Response(JSON.stringify(json), { status, headers: { 'content-type': 'application/json' } });
  }

  private canBrowse(actor: string): boolean {
    return actor === 'app' || !this.browsers || this.browsers.has(actor);
  }

  private route(op: MatchedOperation, actor: string, query: URLSearchParams, body: unknown): [number, unknown] {
    const key = op.pathParams.issueIdOrKey;
    const issue = key ? this.findIssue(key) : undefined;
    if (key && (!issue || !this.canBrowse(actor))) return [404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'] }];
    const t = `${op.method.toUpperCase()} ${op.template}`;
    switch (t) {
      case 'GET /rest/api/3/issue/{issueIdOrKey}': {
        const i = issue as StoredIssue;
        const wanted = (query.getAll('fields').join(',') || '*all').split(',').filter(Boolean);
        const fields: Record<string, unknown> = {};
        const all = { ...i.fields, status: this.statusJson(i.statusId) } as Record<string, unknown>;
        for (const f of wanted.includes('*all') ? Object.keys(all) : wanted) if (f in all) fields[f] = all[f];
        const props: Record<string, unknown> = {};
        for (const p of (query.get('properties') ?? '').split(',').filter(Boolean)) if (i.properties.has(p)) props[p] = i.properties.get(p);
        return [200, { id: i.id, key: i.key, self: `https://example.atlassian.net/rest/api/3/issue/${i.id}`, fields, ...(query.has('properties') ? { properties: props } : {}) }];
      }
      case 'PUT /rest/api/3/issue/{issueIdOrKey}': {
        const i = issue as StoredIssue;
        // Turning notifications off needs Administer Jira or Administer Projects
        // (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put,
        // `notifyUsers`). The reference says the flag is then ignored; sites in the field answer 403
        // and reject the whole edit, the unpleasant case modelled here. The app's user holds
        // neither permission unless `admins` names `app`.
        if (query.get('notifyUsers') === 'false' && !this.admins.has(actor)) return [403, { errorMessages: ['To discard the user notification either admin or project admin permissions are required.'] }];
        const fields = ((body as { fields?: Record<string, unknown> }).fields ?? {}) as Record<string, unknown>;
        for (const id of Object.keys(fields)) if (!this.fields.some((f) => f.id === id)) return [400, { errors: { [id]: `Field '${id}' cannot be set. It is not on the appropriate screen, or unknown.` } }];
        // IssueUpdateDetails.properties: set with the fields, under the same size limit as the
        // property resource; the request is refused whole, so nothing is half-applied.
        const properties = ((body as { properties?: { key: string; value: unknown }[] }).properties ?? []) as { key: string; value: unknown }[];
        if (properties.some((p) => JSON.stringify(p.value).length > 32768)) return [400, { errorMessages: ['The property value is too long.'] }];
        Object.assign(i.fields, fields);
        for (const p of properties) i.properties.set(p.key, p.value);
        return [204, undefined];
      }
      case 'POST /rest/api/3/issue/{issueIdOrKey}/comment': {
        const i = issue as StoredIssue;
        const b = (body as { body?: unknown }).body;
        const adf = adfProblems(b);
        if (adf.length) {
          this.violations.push(`comment on ${i.key} is not valid ADF: ${adf.join('; ')}`);
          return [400, { errorMessages: ['Comment body is not valid'] }];
        }
        const c: StoredComment = { id: String(this.nextCommentId++), issueKey: i.key, author: actor, body: b, created: new Date().toISOString() };
        this.comments.push(c);
        return [201, { id: c.id, body: c.body, created: c.created, self: `https://example.atlassian.net/rest/api/3/issue/${i.id}/comment/${c.id}` }];
      }
      case 'GET /rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}': {
        const i = issue as StoredIssue;
        const p = op.pathParams.propertyKey ?? '';
        if (!i.properties.has(p)) return [404, { errorMessages: [`The property with key '${p}' does not exist.`] }];
        return [200, { key: p, value: i.properties.get(p) }];
      }
      case 'PUT /rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}': {
        const i = issue as StoredIssue;
        const p = op.pathParams.propertyKey ?? '';
        if (JSON.stringify(body).length > 32768) return [400, { errorMessages: ['The property value is too long.'] }];
        const existed = i.properties.has(p);
        i.properties.set(p, body);
        return [existed ? 200 : 201, {}];
      }
      case 'DELETE /rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}': {
        const i = issue as StoredIssue;
        i.properties.delete(op.pathParams.propertyKey ?? '');
        return [204, undefined];
      }
      case 'GET /rest/api/3/issue/{issueIdOrKey}/transitions': {
        const i = issue as StoredIssue;
        const transitions = this.transitions.filter((x) => x.to !== i.statusId).map((x) => ({ id: x.id, name: x.name, to: this.statusJson(x.to), hasScreen: false, isAvailable: true }));
        return [200, { transitions }];
      }
      case 'POST /rest/api/3/issue/{issueIdOrKey}/transitions': {
        const i = issue as StoredIssue;
        const id = (body as { transition?: { id?: string } }).transition?.id;
        const tr = this.transitions.find((x) => x.id === id && x.to !== i.statusId);
        if (!tr) return [400, { errorMessages: [`Transition id '${id}' is not valid for this issue.`] }];
        i.statusId = tr.to;
        return [204, undefined];
      }
      case 'GET /rest/api/3/field':
        return [200, this.fields.map((f) => ({ id: f.id, key: f.id, name: f.name, custom: f.custom ?? f.id.startsWith('customfield_'), navigable: true, orderable: true, searchable: true, clauseNames: [f.id], schema: { type: f.type ?? 'string', ...(f.schemaCustom ? { custom: f.schemaCustom } : {}) } }))];
      case 'GET /rest/api/3/status':
        return [200, this.statuses.map((s) => this.statusJson(s.id))];
      case 'GET /rest/api/3/user/search': {
        // Active people whose display name starts a word with the query (Jira matches name and e-mail prefixes).
        const q = (query.get('query') ?? '').toLowerCase();
        const max = Number(query.get('maxResults') ?? '50');
        const found = [...this.users.values()].filter((u) => q !== '' && u.displayName.toLowerCase().split(/\s+/).some((w) => w.startsWith(q))).slice(0, max);
        return [200, found.map((u) => ({ accountId: u.accountId, accountType: 'atlassian', active: true, displayName: u.displayName, self: `https://example.atlassian.net/rest/api/3/user?accountId=${u.accountId}` }))];
      }
      case 'GET /rest/api/3/mypermissions': {
        const keys = (query.get('permissions') ?? '').split(',').filter(Boolean);
        const permissions: Record<string, unknown> = {};
        // Project permissions are answered for the named project, or, with no project named, true
        // when the user holds them in ANY project, as Jira documents:
        // https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-permissions/#api-rest-api-3-mypermissions-get
        const projectKey = query.get('projectKey');
        const administers = (key: string | null): boolean =>
          key === null ? [...this.projectAdmins.values()].some((s) => s.has(actor)) : (this.projectAdmins.get(key)?.has(actor) ?? false);
        const has = (k: string): boolean => (k === 'ADMINISTER' ? this.admins.has(actor) : k === 'ADMINISTER_PROJECTS' ? administers(projectKey) : true);
        for (const k of keys) permissions[k] = { id: k === 'ADMINISTER' ? '0' : k, key: k, name: k, type: k === 'ADMINISTER' ? 'GLOBAL' : 'PROJECT', description: k, havePermission: has(k) };
        return [200, { permissions }];
      }
      default:
        this.violations.push(`the Jira stand-in does not implement ${t} (valid in the spec, but unexpected here)`);
        return [404, { errorMessages: ['not implemented by the stand-in'] }];
    }
  }
}
