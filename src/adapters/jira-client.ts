import { asApp, asUser, route } from '@forge/api';
import * as z from 'zod';
import type { AdfDoc } from '../domain/adf';

/**
 * The one wrapper around Jira's REST API. Every call uses the `route` tag (which escapes each
 * interpolated value) and states who it acts as: `asUser()` where the caller's own Jira
 * permissions must apply (reading an issue for the panel, the admin check), `asApp()` for what
 * the app does on its own (trigger, web trigger, comments, properties).
 */

export class JiraApiError extends Error {
  override readonly name = 'JiraApiError';
  constructor(
    readonly status: number,
    readonly operation: string,
    readonly body: string,
  ) {
    super(`Jira ${operation} failed with HTTP ${status}`);
  }
}

export type Actor = 'app' | 'user';
type ForgeRoute = ReturnType<typeof route>;
type RequestInit = { method?: string; body?: string; headers?: Record<string, string> };
type ForgeResponse = { ok: boolean; status: number; text(): Promise<string> };

const UserRef = z.object({ accountId: z.string() }).nullish();
const IssueResponse = z.object({
  id: z.string(),
  key: z.string(),
  fields: z.record(z.string(), z.unknown()).default({}),
  properties: z.record(z.string(), z.unknown()).optional(),
});
export type JiraIssue = z.infer<typeof IssueResponse>;
export const IssueStatus = z.object({
  id: z.string(),
  name: z.string(),
  statusCategory: z.object({ key: z.string() }).partial().optional(),
});
const TransitionsResponse = z.object({
  transitions: z.array(z.object({ id: z.string(), name: z.string().optional(), to: z.object({ id: z.string(), name: z.string().optional() }).optional() })).default([]),
});
const FieldsResponse = z.array(z.object({ id: z.string(), name: z.string(), custom: z.boolean().default(false), schema: z.object({ type: z.string(), custom: z.string() }).partial().optional() }));
const StatusesResponse = z.array(z.object({ id: z.string(), name: z.string(), statusCategory: z.object({ key: z.string(), name: z.string() }).partial().optional() }));
const PropertyResponse = z.object({ key: z.string(), value: z.unknown() });
const UsersResponse = z.array(z.object({ accountId: z.string(), accountType: z.string().optional(), displayName: z.string().optional(), active: z.boolean().optional() }));
const MyPermissions = z.object({ permissions: z.record(z.string(), z.object({ havePermission: z.boolean().optional() })) });

export type JiraField = z.infer<typeof FieldsResponse>[number];
export type JiraStatus = z.infer<typeof StatusesResponse>[number];

export function userAccountId(value: unknown): string | undefined {
  const parsed = UserRef.safeParse(value);
  return parsed.success ? (parsed.data?.accountId ?? undefined) : undefined;
}

/** The display name of a user field (assignee, reporter), for a mention's text. */
export function userDisplayName(value: unknown): string | undefined {
  const v = value as { displayName?: unknown } | null | undefined;
  return typeof v?.displayName === 'string' && v.displayName.trim() ? v.displayName.trim() : undefined;
}

export class JiraClient {
  async request(actor: Actor, operation: string, path: ForgeRoute, init: RequestInit = {}): Promise<{ status: number; text: string }> {
    const requester = actor === 'user' ? asUser() : asApp();
    const headers: Record<string, string> = { Accept: 'application/json', ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}) };
    const res = (await requester.requestJira(path, { ...init, headers })) as ForgeResponse;
    const text = await res.text();
    if (!res.ok) throw new JiraApiError(res.status, operation, text.slice(0, 500));
    return { status: res.status, text };
  }

  private async json<T>(actor: Actor, operation: string, path: ForgeRoute, schema: z.ZodType<T>): Promise<T> {
    const { text } = await this.request(actor, operation, path);
    const parsed = schema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new JiraApiError(200, `${operation} (unexpected response)`, parsed.error.message.slice(0, 500));
    return parsed.data;
  }

  /** One request for everything the handlers need about an issue: the chosen fields and properties. */
  getIssue(actor: Actor, issueKey: string, fieldIds: readonly string[], propertyKeys: readonly string[] = []): Promise<JiraIssue> {
    const fields = [...new Set(fieldIds)].join(',');
    const properties = propertyKeys.join(',');
    const path = properties
      ? route`/rest/api/3/issue/${issueKey}?fields=${fields}&properties=${properties}`
      : route`/rest/api/3/issue/${issueKey}?fields=${fields}`;
    return this.json(actor, 'get issue', path, IssueResponse);
  }

  async addComment(issueKey: string, body: AdfDoc): Promise<void> {
    await this.request('app', 'add comment', route`/rest/api/3/issue/${issueKey}/comment`, { method: 'POST', body: JSON.stringify({ body }) });
  }

  async getProperty(actor: Actor, issueKey: string, propertyKey: string): Promise<unknown> {
    try {
      const res = await this.json(actor, 'get issue property', route`/rest/api/3/issue/${issueKey}/properties/${propertyKey}`, PropertyResponse);
      return res.value;
    } catch (e) {
      if (e instanceof JiraApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  async setProperty(issueKey: string, propertyKey: string, value: unknown): Promise<void> {
    await this.request('app', 'set issue property', route`/rest/api/3/issue/${issueKey}/properties/${propertyKey}`, { method: 'PUT', body: JSON.stringify(value) });
  }

  async getTransitions(issueKey: string): Promise<z.infer<typeof TransitionsResponse>['transitions']> {
    const res = await this.json('app', 'get transitions', route`/rest/api/3/issue/${issueKey}/transitions`, TransitionsResponse);
    return res.transitions;
  }

  async transition(issueKey: string, transitionId: string): Promise<void> {
    await this.request('app', 'transition issue', route`/rest/api/3/issue/${issueKey}/transitions`, { method: 'POST', body: JSON.stringify({ transition: { id: transitionId } }) });
  }

  /**
   * No `notifyUsers=false`: turning notifications off needs Administer Jira or Administer
   * Projects, which the app's user usually lacks, and many sites then refuse the whole edit (403).
   */
  async editFields(issueKey: string, fields: Record<string, unknown>, actor: Actor = 'app'): Promise<void> {
    await this.editIssue(issueKey, { fields }, actor);
  }

  /**
   * One edit of fields and issue properties together: Edit issue takes both (IssueUpdateDetails
   * `fields` and `properties`, https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put)
   * and refuses the whole request when one field cannot be set, so nothing is half-written.
   */
  async editIssue(issueKey: string, edit: { fields: Record<string, unknown>; properties?: { key: string; value: unknown }[] }, actor: Actor = 'app'): Promise<void> {
    await this.request(actor, 'edit issue', route`/rest/api/3/issue/${issueKey}`, { method: 'PUT', body: JSON.stringify(edit) });
  }

  listFields(actor: Actor): Promise<JiraField[]> {
    return this.json(actor, 'list fields', route`/rest/api/3/field`, FieldsResponse);
  }

  listStatuses(actor: Actor): Promise<JiraStatus[]> {
    return this.json(actor, 'list statuses', route`/rest/api/3/status`, StatusesResponse);
  }

  /** Whether the calling user holds the global Administer Jira permission. */
  /**
   * Active people matching a name or e-mail fragment, as the caller sees them (Jira applies the
   * caller's Browse users permission and profile privacy): https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-user-search/#api-rest-api-3-user-search-get
   */
  async searchUsers(query: string, maxResults = 20): Promise<{ accountId: string; displayName: string }[]> {
    const users = await this.json('user', 'user search', route`/rest/api/3/user/search?query=${query}&maxResults=${String(maxResults)}`, UsersResponse);
    return users.filter((u) => u.active !== false && (u.accountType ?? 'atlassian') === 'atlassian').map((u) => ({ accountId: u.accountId, displayName: u.displayName ?? u.accountId }));
  }

  async callerIsJiraAdmin(): Promise<boolean> {
    const res = await this.json('user', 'my permissions', route`/rest/api/3/mypermissions?permissions=${'ADMINISTER'}`, MyPermissions);
    return res.permissions.ADMINISTER?.havePermission === true;
  }

  /**
   * Whether the calling user holds Administer Projects in this project. The project must be
   * named: without a project, Jira answers true when the user administers ANY project.
   * https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-permissions/#api-rest-api-3-mypermissions-get
   */
  async callerIsProjectAdmin(projectKey: string): Promise<boolean> {
    const res = await this.json('user', 'my permissions', route`/rest/api/3/mypermissions?projectKey=${projectKey}&permissions=${'ADMINISTER_PROJECTS'}`, MyPermissions);
    return res.permissions.ADMINISTER_PROJECTS?.havePermission === true;
  }
}
