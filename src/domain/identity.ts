import type { Identity } from '../contract/settings';
import type { IssuePeople } from './permissions';

/**
 * Whether a request's developer and client are acceptable for this issue, per the admin's
 * identity map (src/contract/settings.ts `identity`). One rule per code; the code is shown to
 * people in comments and panel errors so they can tell an admin exactly what to change.
 */

export const IDENTITY_RULES = ['DEVELOPER_NOT_MAPPED', 'DEVELOPER_NOT_ON_ISSUE', 'CLIENT_NOT_ALLOWED', 'CLIENT_UNKNOWN', 'NOT_PROVISION_STATUS'] as const;
export type IdentityRule = (typeof IDENTITY_RULES)[number];

export interface IdentityRefusal {
  rule: IdentityRule;
  /** The request field the rule is about (`developer`, `client`, `status`). */
  field: 'developer' | 'client' | 'status';
  message: string;
}

export interface IdentityCheck {
  developer: string;
  client: string;
  identity: Identity;
  people: IssuePeople;
  /** A Jira administrator acting in the panel may provision for any mapped developer. */
  actorIsAdmin: boolean;
  /** The app provisioned this client's database before (recorded in app storage): known. */
  clientProvisionedBefore: boolean;
}

const list = (xs: readonly string[]): string => (xs.length ? xs.join(', ') : 'none');

export function checkIdentity(c: IdentityCheck): IdentityRefusal | undefined {
  const entry = c.identity.developers.find((d) => d.developer === c.developer);
  if (!entry) {
    return { rule: 'DEVELOPER_NOT_MAPPED', field: 'developer', message: `Developer "${c.developer}" is not in the Dev VM identity map. A Jira administrator maps it to a Jira user on the Dev VM settings page.` };
  }
  const onIssue = entry.accountId === c.people.assigneeAccountId || entry.accountId === c.people.reporterAccountId;
  if (!onIssue && !c.actorIsAdmin) {
    return { rule: 'DEVELOPER_NOT_ON_ISSUE', field: 'developer', message: `Developer "${c.developer}" belongs to a Jira user who is neither the assignee nor the reporter of this issue. Assign the issue to that person, or ask a Jira administrator to provision it from the panel.` };
  }
  if (entry.clients !== 'any' && !entry.clients.includes(c.client)) {
    return { rule: 'CLIENT_NOT_ALLOWED', field: 'client', message: `Developer "${c.developer}" may not get databases of client "${c.client}" (allowed: ${list(entry.clients)}). A Jira administrator can allow it on the Dev VM settings page.` };
  }
  const known = c.identity.knownClients.includes(c.client) || c.clientProvisionedBefore;
  if (!known && !c.identity.allowNewClients) {
    return { rule: 'CLIENT_UNKNOWN', field: 'client', message: `Client "${c.client}" is not a known client, so no new database is created for it (known: ${list(c.identity.knownClients)}). Check the spelling, or ask a Jira administrator to add the client on the Dev VM settings page.` };
  }
  return undefined;
}

/** The panel's Provision button acts only in a provision status, like the workflow would (admins excepted). */
/**
 * Why the panel offers Provision disabled: the issue is outside every provisioning status and the
 * caller is no Jira administrator (checkProvisionStatus would refuse). Names the statuses to move to.
 */
export function provisionStatusHint(statusNames: readonly string[]): string {
  if (statusNames.length === 0) return 'No status provisions a VM yet: a Jira administrator chooses one on the Dev VM settings page.';
  const names = statusNames.map((n) => `“${n}”`);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  return `Move the issue to ${list} to provision a VM.`;
}

export function checkProvisionStatus(statusId: string | undefined, provisionStatuses: readonly string[], actorIsAdmin: boolean): IdentityRefusal | undefined {
  if (actorIsAdmin || (statusId !== undefined && provisionStatuses.includes(statusId))) return undefined;
  return { rule: 'NOT_PROVISION_STATUS', field: 'status', message: 'A dev VM can be provisioned from the panel only while the issue is in a provisioning status. Move the issue to that status (which provisions it), or ask a Jira administrator.' };
}
