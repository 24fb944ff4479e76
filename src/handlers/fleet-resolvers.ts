import Resolver from '@forge/resolver';
import { PRICES_AS_OF, PRICES_SOURCE } from '../contract/prices';
import { R, type FleetBulkAction, type FleetBulkResult, type FleetView } from '../contract/resolvers';
import type { Settings } from '../contract/settings';
import { FLEET_PAGE_SIZE_MAX, type Vm } from '../contract/vm-api';
import { auditComment, keptDetail, type PanelAction } from '../domain/comments';
import { fleetRow } from '../domain/fleet-row';
import { utcMonth } from '../domain/scheduler-state';
import { JiraApiError } from '../adapters/jira-client';
import { errorName, log } from '../adapters/log';
import { VmApiError, type VmApiClient } from '../adapters/vm-api-client';
import { define, ResolverError, type CallerContext } from './resolver-kit';
import { defaultVmService, type VmService } from './vm-service';

/**
 * Resolvers of the fleet pages: the Jira admin page (every VM) and the project settings page (one
 * project's VMs). Who the caller is and which project the page shows come from Forge's context and
 * Jira's answer about that account, never from the payload:
 * - no project in the context (the admin page): Administer Jira, or nothing;
 * - a project in the context: Administer Jira or Administer Projects in THAT project, and the list
 *   is then always limited to it, whatever the payload asks.
 * Bulk actions are for Jira administrators only, and each writes the panel's audit comment on the
 * VM's issue (the issue named by the VM API's answer, not by the page).
 */

type Scope = FleetView['scope'];

async function scopeOf(svc: VmService, caller: CallerContext): Promise<{ scope: Scope; isJiraAdmin: boolean }> {
  const { jira } = svc;
  if (!caller.accountId) throw new ResolverError('FORBIDDEN', 'Sign in to see the dev VM fleet.');
  const isJiraAdmin = await jira.callerIsJiraAdmin();
  if (!caller.projectKey) {
    if (!isJiraAdmin) throw new ResolverError('FORBIDDEN', 'Only Jira administrators can see the whole dev VM fleet.');
    return { scope: { kind: 'site' }, isJiraAdmin };
  }
  if (!isJiraAdmin && !(await jira.callerIsProjectAdmin(caller.projectKey))) {
    throw new ResolverError('FORBIDDEN', `Only administrators of project ${caller.projectKey} can see its dev VMs.`);
  }
  return { scope: { kind: 'project', projectKey: caller.projectKey }, isJiraAdmin };
}

async function requireApiOf(svc: VmService): Promise<{ api: VmApiClient; settings: Settings }> {
  const config = await svc.loadConfig();
  if (!config.api) throw new ResolverError('NOT_CONFIGURED', `A Jira administrator has not finished the Dev VM settings (missing: ${config.missing.join(', ')}).`);
  return { api: config.api, settings: config.settings };
}

/**
 * One VM's action through the VM API, with its issue key (the API refuses a VM whose JiraIssue tag
 * differs), and the panel's audit comment for it: park and keep are the panel's lifecycle change
 * (`updateLifecycle`) with the same detail words as panel-resolvers.ts writes.
 */
function act(api: VmApiClient, action: FleetBulkAction, id: string, issueKey: string): Promise<Vm> {
  const target = { params: { id }, query: { issueKey } };
  switch (action) {
    case 'stop':
      return api.call('stopVm', target);
    case 'terminate':
      return api.call('terminateVm', target);
    case 'park':
      return api.call('updateLifecycle', { ...target, body: { parked: true } });
    case 'keep':
      return api.call('updateLifecycle', { ...target, body: { keep: true } });
  }
}
/** The panel's audit comment for the same action: the same words whichever page acted. */
const AUDIT: Record<FleetBulkAction, { action: PanelAction; detail: (vm: Vm, idleDays: number, nowIso: string) => string }> = {
  stop: { action: 'stop', detail: (vm) => vm.id },
  terminate: { action: 'terminate', detail: (vm) => vm.id },
  park: { action: 'lifecycle', detail: () => 'park' },
  // As the panel's Keep this VM: the new earliest teardown date (the admin's idle days).
  keep: { action: 'lifecycle', detail: (vm, idleDays, nowIso) => keptDetail(vm.keptAt ?? nowIso, idleDays, vm.schedule.timezone) },
};

export interface FleetDeps {
  now: () => Date;
  /** The Jira, storage and VM API operations; the production wiring when absent. */
  services?: VmService;
}

export function buildFleetResolver(deps: FleetDeps = { now: () => new Date() }): Resolver {
  const svc = deps.services ?? defaultVmService();
  const { jira } = svc;
  const scopeFor = (caller: CallerContext) => scopeOf(svc, caller);
  const requireApi = () => requireApiOf(svc);
  const resolver = new Resolver();

  define(resolver, R.fleetList, async (p, caller) => {
    const { scope, isJiraAdmin } = await scopeFor(caller);
    if (scope.kind === 'project' && p.project !== undefined && p.project !== scope.projectKey) {
      throw new ResolverError('FORBIDDEN', `This page shows project ${scope.projectKey} only.`, 'project');
    }
    const project = scope.kind === 'project' ? scope.projectKey : p.project;
    const { api } = await requireApi();
    const query: Record<string, string> = { pageSize: String(p.pageSize ?? FLEET_PAGE_SIZE_MAX) };
    for (const [k, v] of Object.entries({ client: p.client, developer: p.developer, state: p.state, project, pageToken: p.pageToken })) if (v !== undefined) query[k] = v;
    const page = await api.call('listFleet', { query });
    const now = deps.now();
    return {
      scope,
      canAct: isJiraAdmin,
      rows: page.vms.map(fleetRow),
      ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
      pricesAsOf: PRICES_AS_OF,
      pricesSource: PRICES_SOURCE,
      month: utcMonth(now),
      generatedAt: now.toISOString(),
    };
  });

  define(resolver, R.fleetBulk, async (p, caller) => {
    const { isJiraAdmin } = await scopeFor(caller);
    if (!isJiraAdmin || !caller.accountId) throw new ResolverError('FORBIDDEN', 'Only Jira administrators can act on VMs from the fleet page.');
    const { api, settings } = await requireApi();
    const idleDays = settings.policy.idleDays;
    const audit = AUDIT[p.action];
    const results: FleetBulkResult['results'] = [];
    // One VM after the other: each answer names the VM's issue, which gets the audit comment.
    const unique = new Map(p.vms.map((v) => [v.id, v.issueKey]));
    for (const [id, issueKey] of unique) {
      const now = deps.now();
      try {
        const vm = await act(api, p.action, id, issueKey);
        const done = { id, ok: true, issueKey: vm.issueKey, state: vm.state, ...(vm.parkedAt ? { parkedAt: vm.parkedAt } : {}), ...(vm.keptAt ? { keptAt: vm.keptAt } : {}) };
        try {
          await jira.addComment(vm.issueKey, auditComment({ accountId: caller.accountId }, audit.action, now.toISOString(), vm.schedule.timezone, audit.detail(vm, idleDays, now.toISOString())));
          results.push(done);
        } catch (e) {
          // The action happened; the page must say so, and that its record on the issue is missing.
          if (!(e instanceof JiraApiError)) throw e;
          log.warn('fleet audit comment failed', { instanceId: id, issueKey: vm.issueKey, status: e.status });
          results.push({ ...done, error: { code: 'AUDIT_COMMENT_FAILED', message: `Done, but the comment on ${vm.issueKey} could not be written (Jira answered HTTP ${e.status}).` } });
        }
      } catch (e) {
        if (!(e instanceof VmApiError)) throw e;
        log.warn('fleet bulk action failed', { instanceId: id, action: p.action, error: errorName(e) });
        results.push({ id, ok: false, error: { code: e.apiCode ?? 'UPSTREAM_FAILED', message: e.message } });
      }
    }
    return { results };
  });
  return resolver;
}

export const fleetResolver = buildFleetResolver().getDefinitions();
