import Resolver from '@forge/resolver';
import { R, type PanelView } from '../contract/resolvers';
import type { Schedule } from '../contract/schedule';
import type { Vm } from '../contract/vm-api';
import type { Settings } from '../contract/settings';
import { formatInZone } from '../domain/adf';
import { auditComment, describeSchedule, keptDetail, unreadableRecordCause, type PanelAction } from '../domain/comments';
import { checkProvisionStatus, provisionStatusHint } from '../domain/identity';
import { decideCanAct, type IssuePeople } from '../domain/permissions';
import { isoOrEmpty, panelView, worthStoring, type Freshness, type PanelFacts } from '../domain/panel-view';
import { panelKey, provisionKey } from '../domain/provision-policy';
import { DEV_VM_PROPERTY, readDevVmProperty, withKnownUsage, type DevVmProperty } from '../domain/vm-property';
import { scheduleFieldValues } from '../domain/schedule-fields';
import { readVmRequest, withKeptSchedule } from '../domain/vm-request';
import { IssueStatus, JiraApiError, userAccountId, userDisplayName } from '../adapters/jira-client';
import { errorName, log } from '../adapters/log';
import { define, ResolverError, type CallerContext } from './resolver-kit';
import { defaultVmService, type AppConfig, type StoredProperty, type VmService } from './vm-service';

/**
 * Resolvers of the issue panel. Who may act is decided here from Forge's context (assignee,
 * reporter or Jira administrator); everyone who can see the issue gets the read-only view.
 * Every action is recorded on the issue as a comment naming the person and the time.
 */

const REFRESH_TIMEOUT_MS = 3000;

interface Loaded {
  mapping: Settings['fields'];
  view: PanelView;
  /** What the view was built from; an action changes `vm`/`prop` and builds its answer from it. */
  facts: PanelFacts;
  config: AppConfig;
  prop: DevVmProperty | undefined;
  /** The issue's VM per the app's own record (never just the property's word). */
  vm: Vm | undefined;
  issueId: string;
  /** The issue's status id as the caller's read saw it. */
  statusId: string | undefined;
  people: IssuePeople;
  /** Whether the caller is a Jira administrator; undefined when it was not asked (the caller is assignee or reporter). */
  isAdmin: boolean | undefined;
  /** The caller's name when the issue shows it (assignee or reporter), for the audit comment's mention. */
  callerName: string | undefined;
}

async function loadPanel(svc: VmService, caller: CallerContext, now: Date, refresh: boolean): Promise<Loaded> {
  const { fieldMapping, jira, loadConfig, trustedVm, writeProperty } = svc;
  const issueKey = caller.issueKey;
  if (!issueKey) throw new ResolverError('VALIDATION_FAILED', 'The Dev VM panel must be opened on an issue.');
  const config = await loadConfig();
  const { settings } = config;
  const mapping = await fieldMapping(settings);
  const mapped = Object.values(mapping).filter((id): id is string => typeof id === 'string');
  // As the user: someone who cannot browse the issue learns nothing about its VM. One read serves
  // the view and any action (the status is what Provision checks).
  const issue = await jira.getIssue('user', issueKey, ['status', 'assignee', 'reporter', ...mapped], [DEV_VM_PROPERTY]);
  const people = { assigneeAccountId: userAccountId(issue.fields.assignee), reporterAccountId: userAccountId(issue.fields.reporter) };
  const isPerson = caller.accountId !== undefined && (caller.accountId === people.assigneeAccountId || caller.accountId === people.reporterAccountId);
  const callerName =
    caller.accountId === undefined ? undefined : caller.accountId === people.assigneeAccountId ? userDisplayName(issue.fields.assignee) : caller.accountId === people.reporterAccountId ? userDisplayName(issue.fields.reporter) : undefined;
  // Asked only when it decides something: whether a non-person may act at all.
  const isAdmin = caller.accountId !== undefined && !isPerson ? await jira.callerIsJiraAdmin() : undefined;
  const decision = decideCanAct(caller.accountId, people, isAdmin ?? false);

  const record = readDevVmProperty(issue.properties?.[DEV_VM_PROPERTY]);
  let prop = record.kind === 'ok' ? record.prop : undefined;
  // Only the VM the app recorded for this issue counts; the property is a display copy anyone
  // who may edit the issue can overwrite.
  const owned = await trustedVm(config.api, issueKey, prop, now.toISOString(), REFRESH_TIMEOUT_MS);
  if (record.kind === 'unreadable') {
    // Unknown is not "no VM": offering Provision could launch a second one. But an unreadable copy
    // (which any editor can write) must not lock the people out of the VM the app itself recorded:
    // that VM is shown and put back on the issue below, and Provision is not offered while it lives.
    if (!owned.fetched || !owned.vm || owned.vm.state === 'terminated') throw new ResolverError('RECORD_UNREADABLE', unreadableRecordCause(record.reason));
    log.warn('issue record unreadable; the VM the app recorded replaces it', { issueKey, reason: record.reason });
  }
  let vm: Vm | undefined = owned.vm;
  const live = vm && vm.state !== 'terminated' ? vm : undefined;
  let freshness: Freshness = {};
  if (owned.fetched && vm) {
    // The copy on the issue was missing or not this issue's VM: put the real one back.
    prop = await writeProperty(issueKey, { ...(prop ?? {}), vm }, now.toISOString());
    freshness = { refreshedAt: now.toISOString() };
  } else if (refresh && live && config.api) {
    try {
      // Short bound: the stored record is a fine answer when the API is slow.
      const fresh = await config.api.call('getVm', { params: { id: live.id }, query: { issueKey } }, { timeoutMs: REFRESH_TIMEOUT_MS });
      if (worthStoring(fresh, live)) prop = await writeProperty(issueKey, { ...prop, vm: fresh }, now.toISOString());
      vm = fresh;
      freshness = { refreshedAt: now.toISOString() };
    } catch (e) {
      // The stored record is still worth showing, but the page must say it may be out of date.
      log.warn('panel refresh failed', { issueKey, error: errorName(e) });
      freshness = { stale: true, ...isoOrEmpty('refreshedAt', prop?.updatedAt) };
    }
  }
  const status = IssueStatus.safeParse(issue.fields.status);
  const statusId = status.success ? status.data.id : undefined;
  // Provision would be refused outside every provisioning status unless the caller is a Jira
  // administrator: the panel offers it disabled, naming the statuses. Jira is asked only then.
  let admin = isAdmin;
  let provisionBlocked: string | undefined;
  if (decision.canAct && !live && config.api && checkProvisionStatus(statusId, settings.statuses.provision, false)) {
    admin ??= await jira.callerIsJiraAdmin();
    if (!admin) provisionBlocked = provisionStatusHint(await statusNames(svc, settings.statuses.provision));
  }
  const facts: PanelFacts = {
    issueKey: issue.key,
    fields: issue.fields,
    mapping,
    policy: settings.policy,
    configured: config.api !== undefined,
    decision,
    vm,
    prop,
    freshness,
    idleStopDefaultMinutes: settings.idle.idleStopMinutes,
    ...(provisionBlocked ? { provisionBlocked } : {}),
  };
  return { view: panelView(facts, now), facts, config, prop, vm, issueId: issue.id, statusId, mapping, people, isAdmin: admin, callerName };
}

const STATUSES_CACHE_KEY = 'jira-statuses';
const STATUSES_CACHE_MINUTES = 60;

/** The names of the given status ids (GET /rest/api/3/status as the app, cached an hour); an unknown id as itself. */
async function statusNames(svc: VmService, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  let all = await svc.store.getCached<{ id: string; name: string }[]>(STATUSES_CACHE_KEY);
  if (!all) {
    try {
      all = (await svc.jira.listStatuses('app')).map((st) => ({ id: st.id, name: st.name }));
      await svc.store.putCached(STATUSES_CACHE_KEY, all, STATUSES_CACHE_MINUTES);
    } catch (e) {
      // The hint still helps without names; the panel must not fail over it.
      if (!(e instanceof JiraApiError)) throw e;
      log.warn('status names unavailable for the provision hint', { error: errorName(e) });
      all = [];
    }
  }
  const byId = new Map(all.map((st) => [st.id, st.name]));
  return ids.map((id) => byId.get(id) ?? `status ${id}`);
}

/**
 * The answer of an action: the view of the state it produced (the VM the API answered, the record
 * it wrote), built from what was loaded before it, without reading the issue again. The VM record
 * is the API's answer, not a refresh, so it carries no freshness mark (as a reload would not).
 */
function viewAfter(loaded: Loaded, vm: Vm, prop: PanelFacts['prop'], now: Date): PanelView {
  return panelView({ ...loaded.facts, vm, prop, freshness: {} }, now);
}

async function loadPanelForAction(svc: VmService, caller: CallerContext, now: Date): Promise<Loaded & { accountId: string; api: NonNullable<AppConfig['api']> }> {
  const loaded = await loadPanel(svc, caller, now, false);
  if (!loaded.view.canAct || !caller.accountId) throw new ResolverError('FORBIDDEN', loaded.view.cannotActReason ?? 'You cannot change this VM.');
  const api = loaded.config.api;
  if (!api) throw new ResolverError('NOT_CONFIGURED', `A Jira administrator has not finished the Dev VM settings (missing: ${loaded.config.missing.join(', ')}).`);
  return { ...loaded, accountId: caller.accountId, api };
}

function requireLiveVm(loaded: Loaded): { vm: Vm; prop: StoredProperty } {
  const vm = loaded.vm;
  if (!vm || vm.state === 'terminated') throw new ResolverError('NOT_FOUND', 'This issue has no dev VM.');
  return { vm, prop: loaded.prop ?? {} };
}

/**
 * The audit comment, in the VM's working-hours zone (the clock the schedule and the lifecycle
 * comments use), naming the caller where the issue shows their name.
 */
async function auditAction(svc: VmService, loaded: Pick<Loaded, 'callerName' | 'vm'> & { accountId: string }, issueKey: string, action: PanelAction, now: Date, detail?: string): Promise<void> {
  const zone = loaded.vm?.schedule.timezone ?? 'UTC';
  await svc.jira.addComment(issueKey, auditComment({ accountId: loaded.accountId, name: loaded.callerName }, action, now.toISOString(), zone, detail));
}

export interface PanelDeps {
  now: () => Date;
  /** The Jira, storage and VM API operations; the production wiring when absent. */
  services?: VmService;
}

export function buildPanelResolver(deps: PanelDeps = { now: () => new Date() }): Resolver {
  const svc = deps.services ?? defaultVmService();
  const { identityRefusal, jira, provisionAttempt, vmAction, writeProperty } = svc;
  const load = (caller: CallerContext, now: Date, refresh: boolean) => loadPanel(svc, caller, now, refresh);
  const loadForAction = (caller: CallerContext, now: Date) => loadPanelForAction(svc, caller, now);
  const audit = (loaded: Parameters<typeof auditAction>[1], issueKey: string, action: PanelAction, now: Date, detail?: string) => auditAction(svc, loaded, issueKey, action, now, detail);
  const resolver = new Resolver();
  define(resolver, R.panelGet, async (_p, caller) => (await load(caller, deps.now(), true)).view);

  define(resolver, R.panelProvision, async (_p, caller) => {
    const now = deps.now();
    const loaded = await loadForAction(caller, now);
    const issueKey = loaded.view.issueKey;
    if (loaded.vm && loaded.vm.state !== 'terminated') throw new ResolverError('CONFLICT', 'This issue already has a dev VM.');
    // A queued request is retried by the app; a second click must not send another one.
    const key = provisionKey(loaded.prop, panelKey(loaded.issueId, now, loaded.vm?.id), now);
    if (key.kind === 'queued') throw new ResolverError('CONFLICT', 'A provision request for this issue is already queued; the app retries it automatically.');
    const { settings } = loaded.config;
    const read = withKeptSchedule(readVmRequest(issueKey, loaded.facts.fields, loaded.mapping, settings.policy), loaded.prop?.schedule);
    if (!read.ok) {
      const first = read.problems[0];
      throw new ResolverError('VALIDATION_FAILED', read.problems.map((p) => `${p.label}: ${p.message}`).join('; '), first?.field);
    }
    const refusalFor = async (isAdmin: boolean) =>
      checkProvisionStatus(loaded.statusId, settings.statuses.provision, isAdmin) ?? (await identityRefusal(settings, read.request, loaded.people, isAdmin));
    // Being a Jira administrator only ever lifts a refusal (identity.ts), so Jira is asked only
    // when there is one to lift: the assignee in a provisioning status costs no extra call.
    let refusal = await refusalFor(loaded.isAdmin ?? false);
    if (refusal && loaded.isAdmin === undefined && (await jira.callerIsJiraAdmin())) refusal = await refusalFor(true);
    if (refusal) throw new ResolverError('FORBIDDEN', `${refusal.rule}: ${refusal.message}`, refusal.field === 'status' ? 'status' : loaded.mapping[refusal.field] ?? refusal.field);
    const idempotencyKey = key.idempotencyKey;
    const outcome = await provisionAttempt(loaded.api, issueKey, { ...read.request, idempotencyKey }, 1, loaded.prop, now.toISOString());
    await audit({ ...loaded, vm: outcome.outcome === 'provisioned' ? outcome.vm : loaded.vm }, issueKey, 'provision', now, `${read.request.instanceType}, ${read.request.os}`);
    if (outcome.outcome === 'failed') throw new ResolverError('UPSTREAM_FAILED', `${outcome.failure.cause} Reference ${outcome.failure.ref}.`, undefined, outcome.failure.code);
    if (outcome.outcome === 'queued') {
      // Nothing to show yet, but the page must not look as if the click did nothing. The cause is
      // the one user-errors.ts gives (no answer, or failed inside AWS), not a blanket "unreachable".
      const minutes = Math.max(1, Math.round(outcome.retryInSeconds / 60));
      const { cause, code, ref } = outcome.failure;
      throw new ResolverError('UPSTREAM_FAILED', `${cause.replace(/;.*$/, '.')} The request is kept and retried automatically in about ${minutes} minute${minutes === 1 ? '' : 's'}; a retry never launches a second VM. Reference ${ref}.`, undefined, code);
    }
    return viewAfter(loaded, outcome.vm, outcome.property, now);
  });

  for (const [name, action] of [
    [R.panelStart, 'start'],
    [R.panelStop, 'stop'],
    [R.panelTerminate, 'terminate'],
  ] as const) {
    define(resolver, name, async (_p, caller) => {
      const now = deps.now();
      const loaded = await loadForAction(caller, now);
      const { vm, prop } = requireLiveVm(loaded);
      const updated = await vmAction(loaded.api, loaded.view.issueKey, action, prop, vm, now.toISOString());
      await audit(loaded, loaded.view.issueKey, action, now, vm.id);
      return viewAfter(loaded, updated, { ...prop, vm: updated }, now);
    });
  }

  define(resolver, R.panelKeepRunning, async (body, caller) => {
    const now = deps.now();
    if (new Date(body.until).getTime() <= now.getTime()) throw new ResolverError('VALIDATION_FAILED', 'must be in the future', 'until');
    const loaded = await loadForAction(caller, now);
    const { vm, prop } = requireLiveVm(loaded);
    const updated = withKnownUsage(await loaded.api.call('keepRunning', { params: { id: vm.id }, query: { issueKey: loaded.view.issueKey }, body }), vm);
    const written = await writeProperty(loaded.view.issueKey, { ...prop, vm: updated }, now.toISOString());
    await audit(loaded, loaded.view.issueKey, 'keepRunning', now, `until ${formatInZone(body.until, vm.schedule.timezone)}`);
    return viewAfter(loaded, updated, written, now);
  });

  define(resolver, R.panelLifecycle, async (body, caller) => {
    const now = deps.now();
    const loaded = await loadForAction(caller, now);
    const { vm, prop } = requireLiveVm(loaded);
    const updated = withKnownUsage(await loaded.api.call('updateLifecycle', { params: { id: vm.id }, query: { issueKey: loaded.view.issueKey }, body }), vm);
    const written = await writeProperty(loaded.view.issueKey, { ...prop, vm: updated }, now.toISOString());
    // Keep this VM answers with the new earliest teardown date (the admin's idle days).
    const kept = body.keep ? keptDetail(updated.keptAt ?? now.toISOString(), loaded.config.settings.policy.idleDays, updated.schedule.timezone) : '';
    const what = [body.parked === false ? 'unpark' : body.parked ? 'park' : '', kept, body.idleStopMinutes !== undefined ? `idle stop ${body.idleStopMinutes ?? 'default'}` : ''].filter(Boolean).join(', ');
    await audit({ ...loaded, vm: updated }, loaded.view.issueKey, 'lifecycle', now, what);
    return viewAfter(loaded, updated, written, now);
  });

  define(resolver, R.panelUpdateSchedule, async ({ schedule }, caller) => {
    const now = deps.now();
    const loaded = await loadForAction(caller, now);
    const { vm, prop } = requireLiveVm(loaded);
    const updated = withKnownUsage(await loaded.api.call('updateSchedule', { params: { id: vm.id }, query: { issueKey: loaded.view.issueKey }, body: schedule }), vm);
    // The next VM of this issue starts with these hours. Precedence: when all four schedule fields
    // are mapped and took the edit, the issue's fields say it (and a later edit of them counts);
    // otherwise the app's record keeps the edit and wins over the fields (vm-request withKeptSchedule).
    const written = await writeScheduleAndRecord(svc, loaded, { ...prop, vm: updated }, updated.schedule, now.toISOString());
    await audit(loaded, loaded.view.issueKey, 'updateSchedule', now, describeSchedule(updated.schedule));
    return viewAfter(loaded, updated, written, now);
  });
  return resolver;
}

export const panelResolver = buildPanelResolver().getDefinitions();

/**
 * A panel schedule edit written to the issue's mapped schedule fields, as the person who made it
 * (their Edit issues permission and the edit screen apply; the issue's history names them), in the
 * same Edit issue request as the app's record. When every schedule field is mapped and took the
 * values, the fields hold the edit; otherwise the record keeps it too. A refusal (a field not on
 * the edit screen, an option the field lacks, no permission) writes the record alone, with the edit.
 */
async function writeScheduleAndRecord(svc: VmService, loaded: Loaded, prop: Omit<DevVmProperty, 'updatedAt'>, schedule: Schedule, nowIso: string): Promise<DevVmProperty> {
  const issueKey = loaded.view.issueKey;
  const { fields, complete } = scheduleFieldValues(schedule, loaded.mapping, loaded.facts.fields);
  const kept = { ...prop, schedule };
  if (Object.keys(fields).length === 0) return svc.writeProperty(issueKey, kept, nowIso);
  try {
    return await svc.writePropertyWithFields(issueKey, complete ? { ...prop, schedule: undefined } : kept, nowIso, fields, 'user');
  } catch (e) {
    if (!(e instanceof JiraApiError)) throw e;
    log.info('schedule not written to the issue fields; kept with the app record', { issueKey, status: e.status });
    return svc.writeProperty(issueKey, kept, nowIso);
  }
}
