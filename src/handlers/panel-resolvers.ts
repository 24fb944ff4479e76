import Resolver from '@forge/resolver';
import { R, type PanelView } from '../contract/resolvers';
import { KeepRunningRequest, LifecycleUpdate, type Vm } from '../contract/vm-api';
import { Schedule } from '../contract/schedule';
import type { Settings } from '../contract/settings';
import { formatInZone } from '../domain/adf';
import { auditComment, describeSchedule, type PanelAction } from '../domain/comments';
import { checkProvisionStatus } from '../domain/identity';
import { decideCanAct, type IssuePeople } from '../domain/permissions';
import { MAX_PROVISION_ATTEMPTS, pendingIsStale } from '../domain/retry';
import { nextBoundaries } from '../domain/schedule';
import { scheduleFieldValues } from '../domain/schedule-fields';
import { vmCost } from '../domain/vm-cost';
import { DEV_VM_PROPERTY, parseDevVmProperty, withKnownUsage, type DevVmProperty } from '../domain/vm-property';
import { idempotencyKeyFor, readVmRequest, toDraft, withKeptSchedule } from '../domain/vm-request';
import { IssueStatus, JiraApiError, userAccountId, userDisplayName } from '../adapters/jira-client';
import { errorName, log } from '../adapters/log';
import { define, ResolverError, type CallerContext } from './resolver-kit';
import { fieldMapping, identityRefusal, jira, loadConfig, provisionAttempt, trustedVm, vmAction, writeProperty, type AppConfig, type StoredProperty } from './vm-service';

/**
 * Resolvers of the issue panel. Who may act is decided here from Forge's context (assignee,
 * reporter or Jira administrator); everyone who can see the issue gets the read-only view.
 * Every action is recorded on the issue as a comment naming the person and the time.
 */

const REFRESH_TIMEOUT_MS = 3000;

interface Loaded {
  mapping: Settings['fields'];
  view: PanelView;
  config: AppConfig;
  prop: DevVmProperty | undefined;
  /** The issue's VM per the app's own record (never just the property's word). */
  vm: Vm | undefined;
  issueId: string;
  people: IssuePeople;
  /** Whether the caller is a Jira administrator; undefined when it was not asked (the caller is assignee or reporter). */
  isAdmin: boolean | undefined;
  /** The caller's name when the issue shows it (assignee or reporter), for the audit comment's mention. */
  callerName: string | undefined;
  /** The issue's mapped fields as read (their current shapes tell how to write a schedule back). */
  fields: Readonly<Record<string, unknown>>;
}

async function load(caller: CallerContext, now: Date, refresh: boolean): Promise<Loaded> {
  const issueKey = caller.issueKey;
  if (!issueKey) throw new ResolverError('VALIDATION_FAILED', 'The Dev VM panel must be opened on an issue.');
  const config = await loadConfig();
  const { settings } = config;
  const mapping = await fieldMapping(settings);
  const mapped = Object.values(mapping).filter((id): id is string => typeof id === 'string');
  // As the user: someone who cannot browse the issue learns nothing about its VM.
  const issue = await jira.getIssue('user', issueKey, ['assignee', 'reporter', ...mapped], [DEV_VM_PROPERTY]);
  const people = { assigneeAccountId: userAccountId(issue.fields.assignee), reporterAccountId: userAccountId(issue.fields.reporter) };
  const isPerson = caller.accountId !== undefined && (caller.accountId === people.assigneeAccountId || caller.accountId === people.reporterAccountId);
  const callerName =
    caller.accountId === undefined ? undefined : caller.accountId === people.assigneeAccountId ? userDisplayName(issue.fields.assignee) : caller.accountId === people.reporterAccountId ? userDisplayName(issue.fields.reporter) : undefined;
  // Asked only when it decides something: whether a non-person may act at all.
  const isAdmin = caller.accountId !== undefined && !isPerson ? await jira.callerIsJiraAdmin() : undefined;
  const decision = decideCanAct(caller.accountId, people, isAdmin ?? false);

  let prop = parseDevVmProperty(issue.properties?.[DEV_VM_PROPERTY]);
  // Only the VM the app recorded for this issue counts; the property is a display copy anyone
  // who may edit the issue can overwrite.
  const owned = await trustedVm(config.api, issueKey, prop, now.toISOString(), REFRESH_TIMEOUT_MS);
  let vm: Vm | undefined = owned.vm;
  const live = vm && vm.state !== 'terminated' ? vm : undefined;
  /** Set when the VM record was read from the API now, or (stale) when the stored one is shown instead. */
  let freshness: Pick<PanelView, 'refreshedAt' | 'stale'> = {};
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
  const stillLive = vm && vm.state !== 'terminated' ? vm : undefined;
  const view: PanelView = {
    issueKey: issue.key,
    configured: config.api !== undefined,
    canAct: decision.canAct,
    ...(decision.canAct ? {} : { cannotActReason: decision.reason }),
    vm: vm ?? null,
    draft: stillLive ? null : toDraft(withKeptSchedule(readVmRequest(issue.key, issue.fields, mapping, settings.policy), prop?.schedule)),
    ...freshness,
  };
  const queued = stillLive ? undefined : queuedProvision(prop, now);
  if (queued) view.pendingProvision = queued;
  else if (!stillLive && prop?.provisionFailure && !Number.isNaN(new Date(prop.provisionFailure.at).getTime())) {
    view.provisionFailure = { ...prop.provisionFailure, at: new Date(prop.provisionFailure.at).toISOString() };
  }
  if (stillLive && stillLive.schedule.enabled) {
    const next = nextBoundaries(stillLive.schedule, now);
    if (next.nextStart) view.nextStart = next.nextStart.toISOString();
    if (next.nextStop) view.nextStop = heldStop(stillLive, next.nextStop, next.nextStart, now).toISOString();
  }
  const cost = vm ? vmCost(vm) : undefined;
  if (cost) view.cost = cost;
  return { view, config, prop, vm, issueId: issue.id, mapping, people, isAdmin, callerName, fields: issue.fields };
}

/** `{ [key]: iso }` when `value` is a readable instant (normalised to ISO), `{}` otherwise. */
function isoOrEmpty<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  const t = value === undefined ? NaN : new Date(value).getTime();
  return Number.isNaN(t) ? {} : ({ [key]: new Date(t).toISOString() } as Partial<Record<K, string>>);
}

/**
 * A provision request the retry queue still holds. One past the queue's trusted window lost its
 * job, so it is not shown: the Provision button comes back and re-sends it under the same key.
 */
function queuedProvision(prop: DevVmProperty | undefined, now: Date): PanelView['pendingProvision'] {
  const pending = prop?.pending;
  if (!pending || pendingIsStale(pending.since, now)) return undefined;
  const requestedAt = isoOrEmpty('requestedAt', pending.since).requestedAt;
  if (!requestedAt) return undefined;
  return {
    requestedAt,
    ...isoOrEmpty('nextAttemptAt', pending.nextAttemptAt),
    attempts: pending.attempts,
    maxAttempts: MAX_PROVISION_ATTEMPTS,
    ...(pending.lastError ? { lastError: pending.lastError } : {}),
  };
}

/**
 * The scheduler holds a stop back while a keep-running hold lasts and stops the VM once it ends,
 * so a hold that outlasts the next scheduled stop (with no start in between) is the next stop.
 */
function heldStop(vm: Vm, stop: Date, nextStart: Date | undefined, now: Date): Date {
  const keep = vm.keepRunningUntil ? new Date(vm.keepRunningUntil) : undefined;
  const running = vm.state === 'running' || vm.state === 'pending';
  if (!running || !keep || keep <= now || keep <= stop || (nextStart && nextStart <= keep)) return stop;
  return keep;
}

async function loadForAction(caller: CallerContext, now: Date): Promise<Loaded & { accountId: string; api: NonNullable<AppConfig['api']> }> {
  const loaded = await load(caller, now, false);
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
async function audit(loaded: Pick<Loaded, 'callerName' | 'vm'> & { accountId: string }, issueKey: string, action: PanelAction, now: Date, detail?: string): Promise<void> {
  const zone = loaded.vm?.schedule.timezone ?? 'UTC';
  await jira.addComment(issueKey, auditComment({ accountId: loaded.accountId, name: loaded.callerName }, action, now.toISOString(), zone, detail));
}

export interface PanelDeps {
  now: () => Date;
}

export function buildPanelResolver(deps: PanelDeps = { now: () => new Date() }): Resolver {
  const resolver = new Resolver();
  define(resolver, R.panelGet, async (_p, caller) => (await load(caller, deps.now(), true)).view);

  define(resolver, R.panelProvision, async (_p, caller) => {
    const now = deps.now();
    const loaded = await loadForAction(caller, now);
    const issueKey = loaded.view.issueKey;
    if (loaded.vm && loaded.vm.state !== 'terminated') throw new ResolverError('CONFLICT', 'This issue already has a dev VM.');
    // A queued request is retried by the app; a second click must not send another one.
    if (loaded.view.pendingProvision) throw new ResolverError('CONFLICT', 'A provision request for this issue is already queued; the app retries it automatically.');
    const { settings } = loaded.config;
    const issue = await jira.getIssue('user', issueKey, ['status', ...Object.values(loaded.mapping).filter((id): id is string => typeof id === 'string')]);
    const read = withKeptSchedule(readVmRequest(issueKey, issue.fields, loaded.mapping, settings.policy), loaded.prop?.schedule);
    if (!read.ok) {
      const first = read.problems[0];
      throw new ResolverError('VALIDATION_FAILED', read.problems.map((p) => `${p.label}: ${p.message}`).join('; '), first?.field);
    }
    const isAdmin = loaded.isAdmin ?? (await jira.callerIsJiraAdmin());
    const status = IssueStatus.safeParse(issue.fields.status);
    const refusal =
      checkProvisionStatus(status.success ? status.data.id : undefined, settings.statuses.provision, isAdmin) ??
      (await identityRefusal(settings, read.request, loaded.people, isAdmin));
    if (refusal) throw new ResolverError('FORBIDDEN', `${refusal.rule}: ${refusal.message}`, refusal.field === 'status' ? 'status' : loaded.mapping[refusal.field] ?? refusal.field);
    // A request still being retried keeps its key; otherwise one key per minute, so a double
    // click launches one VM.
    // The replaced VM is part of the key: a new VM after a terminated one within the same minute is
    // a new request, not a replay of the first (which the API would answer with the old VM).
    const after = loaded.vm ? `-after-${loaded.vm.id}` : '';
    const idempotencyKey = loaded.prop?.pending?.request.idempotencyKey ?? idempotencyKeyFor(loaded.issueId, `panel${Math.floor(now.getTime() / 60_000)}${after}`);
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
    return (await load(caller, now, false)).view;
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
      await vmAction(loaded.api, loaded.view.issueKey, action, prop, vm, now.toISOString());
      await audit(loaded, loaded.view.issueKey, action, now, vm.id);
      return (await load(caller, now, false)).view;
    });
  }

  define(resolver, R.panelKeepRunning, async (payload, caller) => {
    const now = deps.now();
    const body = KeepRunningRequest.parse(payload);
    if (new Date(body.until).getTime() <= now.getTime()) throw new ResolverError('VALIDATION_FAILED', 'must be in the future', 'until');
    const loaded = await loadForAction(caller, now);
    const { vm, prop } = requireLiveVm(loaded);
    const updated = withKnownUsage(await loaded.api.call('keepRunning', { params: { id: vm.id }, query: { issueKey: loaded.view.issueKey }, body }), vm);
    await writeProperty(loaded.view.issueKey, { ...prop, vm: updated }, now.toISOString());
    await audit(loaded, loaded.view.issueKey, 'keepRunning', now, `until ${formatInZone(body.until, vm.schedule.timezone)}`);
    return (await load(caller, now, false)).view;
  });

  define(resolver, R.panelLifecycle, async (payload, caller) => {
    const now = deps.now();
    const body = LifecycleUpdate.parse(payload); // define() has validated it against the contract
    const loaded = await loadForAction(caller, now);
    const { vm, prop } = requireLiveVm(loaded);
    const updated = withKnownUsage(await loaded.api.call('updateLifecycle', { params: { id: vm.id }, query: { issueKey: loaded.view.issueKey }, body }), vm);
    await writeProperty(loaded.view.issueKey, { ...prop, vm: updated }, now.toISOString());
    const what = [body.parked === false ? 'unpark' : body.parked ? 'park' : '', body.keep ? 'keep this VM' : '', body.idleStopMinutes !== undefined ? `idle stop ${body.idleStopMinutes ?? 'default'}` : ''].filter(Boolean).join(', ');
    await audit({ ...loaded, vm: updated }, loaded.view.issueKey, 'lifecycle', now, what);
    return (await load(caller, now, false)).view;
  });

  define(resolver, R.panelUpdateSchedule, async (payload, caller) => {
    const now = deps.now();
    const schedule = Schedule.parse((payload as { schedule: unknown }).schedule);
    const loaded = await loadForAction(caller, now);
    const { vm, prop } = requireLiveVm(loaded);
    const updated = withKnownUsage(await loaded.api.call('updateSchedule', { params: { id: vm.id }, query: { issueKey: loaded.view.issueKey }, body: schedule }), vm);
    // The next VM of this issue starts with these hours. Precedence: when all four schedule fields
    // are mapped and took the edit, the issue's fields say it (and a later edit of them counts);
    // otherwise the app's record keeps the edit and wins over the fields (vm-request withKeptSchedule).
    const inFields = await writeScheduleToFields(loaded, updated.schedule);
    await writeProperty(loaded.view.issueKey, { ...prop, vm: updated, schedule: inFields ? undefined : updated.schedule }, now.toISOString());
    await audit(loaded, loaded.view.issueKey, 'updateSchedule', now, describeSchedule(updated.schedule));
    return (await load(caller, now, false)).view;
  });
  return resolver;
}

export const panelResolver = buildPanelResolver().getDefinitions();

/**
 * A panel schedule edit written to the issue's mapped schedule fields, as the person who made it
 * (their Edit issues permission and the edit screen apply; the issue's history names them). True
 * when every schedule field is mapped and Jira took the values; a refusal (a field not on the
 * edit screen, an option the field lacks, no permission) leaves the edit with the app's record.
 */
async function writeScheduleToFields(loaded: Loaded, schedule: Schedule): Promise<boolean> {
  const { fields, complete } = scheduleFieldValues(schedule, loaded.mapping, loaded.fields);
  if (Object.keys(fields).length === 0) return false;
  try {
    await jira.editFields(loaded.view.issueKey, fields, 'user');
    return complete;
  } catch (e) {
    if (!(e instanceof JiraApiError)) throw e;
    log.info('schedule not written to the issue fields; kept with the app record', { issueKey: loaded.view.issueKey, status: e.status });
    return false;
  }
}

/** How stale the stored usage may get before a panel view writes it back (see worthStoring). */
const USAGE_REWRITE_MS = 60 * 60 * 1000;

/**
 * Whether a panel view should write the freshly read VM back to the issue property. The
 * reconciler's usage figure changes every run, so writing on any difference would make every
 * view a Jira write (and widen the race with the web trigger's own writes); the record is written
 * when anything but usage changed, or when the stored usage is missing or over an hour old.
 */
export function worthStoring(fresh: Vm, stored: Vm): boolean {
  const { usage: freshUsage, ...freshRest } = fresh;
  const { usage: storedUsage, ...storedRest } = stored;
  if (JSON.stringify(freshRest) !== JSON.stringify(storedRest)) return true;
  if (!freshUsage) return false;
  if (!storedUsage || storedUsage.month !== freshUsage.month) return true;
  return Date.parse(freshUsage.asOf) - Date.parse(storedUsage.asOf) >= USAGE_REWRITE_MS;
}
