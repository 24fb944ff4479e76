import type { Instance } from '@aws-sdk/client-ec2';
import type { LifecycleEvent } from '../../../src/contract/events';
import type { Vm } from '../../../src/contract/vm-api';
import { applyOutcomes, isCapacityError, plan, type ActionOutcome, type Decision, type ObservedVm, type PlanOptions } from '../../../src/domain/reconcile';
import type { Activity } from '../../../src/domain/activity';
import { isEc2State, type Ec2State } from '../../../src/domain/ec2-state';
import { usageFor, type SchedulerState } from '../../../src/domain/scheduler-state';
import { buildLifecycleEvent, type EventInput, type PublishResult } from '../shared/events';
import type { Log } from '../shared/powertools';
import type { StateSnapshot, WriteResult } from '../shared/scheduler-state';
import type { PolicyRead } from '../shared/idle-policy';
import type { ActivityPort, CpuThresholds } from './activity-probe';
import { totalCalls, type BatchResult, type FailedId, type FleetGateway } from '../shared/ec2';
import { tagMap } from '../shared/ec2-tags';

/**
 * One reconciler run: read state → list the fleet → plan (pure) → commit the plan with a
 * conditional write → act → record outcomes → publish events → one summary line + metrics.
 *
 * Overlapping runs: the plan (new lastRunAt, pending starts, owed actions) is committed BEFORE
 * any EC2 call, with If-Match on the ETag this run read. If another run committed in between,
 * the write is rejected and this run does nothing, so no boundary is acted on twice. A run that
 * dies between its commit and its calls loses nothing: the next run sees a committed start whose
 * instance never launched, or a committed stop whose instance still runs unrestarted, and carries
 * it out (src/domain/reconcile.ts); EC2's start/stop/terminate are idempotent on an instance
 * already in the target state, so a repeated call does no harm either.
 *
 * At most two S3 writes per run: the commit, and — only when some call failed — the outcomes
 * (capacity retries, failed stops) for the next run.
 */

export interface StatePort {
  read(): Promise<StateSnapshot>;
  write(state: SchedulerState, etag: string | undefined): Promise<WriteResult>;
}
export interface EventsPort {
  publish(events: readonly LifecycleEvent[]): Promise<PublishResult>;
}
export interface MetricsPort {
  count(name: string, value: number): void;
  milliseconds(name: string, value: number): void;
}

export interface ReconcilerDeps {
  fleet: FleetGateway;
  /** Sessions and CPU of the fleet; absent (or failing) means this run does not idle-stop or defer. */
  activity?: ActivityPort;
  state: StatePort;
  events: EventsPort;
  log: Log;
  metrics: MetricsPort;
  /** The stack's values; the admin's idle policy (below) replaces its idle and stop rules when saved. */
  options: PlanOptions;
  /** The admin's idle and stop rules (one SSM parameter, read once per run); absent = the stack's values. */
  policy?: { read(): Promise<PolicyRead> };
  /** The `vm` of an event (shared/vm-record.ts toVm); undefined when the instance cannot be mapped. */
  toVm?: (instance: Instance, state: SchedulerState, now: Date) => Vm | undefined;
  /** CPU clock for the decision timing; injectable so tests stay deterministic. */
  cpuNow?: () => number;
}

export interface RunSummary {
  committed: boolean;
  seen: number;
  started: number;
  stopped: number;
  terminated: number;
  skipped: number;
  failed: number;
  idleWarnings: number;
  scheduleErrors: number;
  /** Scheduled stops deferred because the VM was busy, and VMs stopped for being idle. */
  stopsDeferred: number;
  idleStopped: number;
  /** VMs reported failed because their first boot did not signal ready by the boot deadline. */
  bootsTimedOut: number;
  /** False when sessions/CPU could not be measured this run. */
  activityMeasured: boolean;
  /** Where this run's idle and stop rules came from: the admin's saved policy, or the stack's values. */
  policySource: 'parameter' | 'stack';
  /** The idle stop in force this run (minutes; 0 = off), for the run's log line. */
  idleStopMinutes: number;
  eventsPublished: number;
  eventsFailed: number;
  ec2Calls: number;
  ssmCalls: number;
  cloudWatchCalls: number;
  decisionMs: number;
  durationMs: number;
  /** Per-instance detail, keyed by id: what happened and why (STYLE practice 6). */
  detail: {
    started: Record<string, string>;
    stopped: Record<string, string>;
    terminated: Record<string, string>;
    skipped: Record<string, string>;
    failed: Record<string, string>;
  };
}

export function observe(instance: Instance): ObservedVm {
  const reason = instance.StateReason?.Message ?? instance.StateReason?.Code;
  return {
    id: instance.InstanceId ?? '',
    // EC2 documents these six names; anything else is treated as still coming up.
    state: isEc2State(instance.State?.Name ?? '') ? (instance.State?.Name as Ec2State) : 'pending',
    tags: tagMap(instance.Tags),
    ...(instance.LaunchTime ? { launchTime: instance.LaunchTime } : {}),
    ...(reason ? { stateReason: reason } : {}),
  };
}

export async function runReconciler(deps: ReconcilerDeps, now: Date): Promise<RunSummary> {
  const cpu = deps.cpuNow ?? (() => performance.now());
  const t0 = cpu();
  const summary: RunSummary = {
    committed: false,
    seen: 0,
    started: 0,
    stopped: 0,
    terminated: 0,
    skipped: 0,
    failed: 0,
    idleWarnings: 0,
    scheduleErrors: 0,
    stopsDeferred: 0,
    idleStopped: 0,
    bootsTimedOut: 0,
    activityMeasured: false,
    policySource: 'stack',
    idleStopMinutes: deps.options.idleStopMinutes ?? 0,
    eventsPublished: 0,
    eventsFailed: 0,
    ec2Calls: 0,
    ssmCalls: 0,
    cloudWatchCalls: 0,
    decisionMs: 0,
    durationMs: 0,
    detail: { started: {}, stopped: {}, terminated: {}, skipped: {}, failed: {} },
  };

  let snapshot: StateSnapshot;
  try {
    snapshot = await deps.state.read();
  } catch (e) {
    // Unreadable state: this run neither acts nor writes (shared/scheduler-state.ts UnreadableStateError).
    if (e instanceof Error && e.name === 'UnreadableStateError') {
      deps.log.error('scheduler state unreadable; not overwriting it, not acting', { problem: e.message });
      deps.metrics.count('StateUnreadable', 1);
    }
    throw e;
  }
  if (snapshot.migratedFrom !== undefined) deps.log.info('scheduler state migrated', { from: snapshot.migratedFrom });
  const instances = await deps.fleet.listManaged();
  const byId = new Map(instances.map((i) => [i.InstanceId ?? '', i]));
  summary.seen = instances.length;

  const rules = await effectiveRules(deps);
  summary.policySource = rules.source;
  summary.idleStopMinutes = rules.options.idleStopMinutes ?? 0;
  const activity = await measureActivity(deps, instances, now, rules.cpu);
  summary.activityMeasured = activity !== undefined;
  if (deps.activity) {
    summary.ssmCalls = deps.activity.counts.describeSessionsPages;
    summary.cloudWatchCalls = deps.activity.counts.getMetricData;
  }

  const d0 = cpu();
  const observed = instances.map((i) => {
    const o = observe(i);
    return activity ? { ...o, activity: activity.get(o.id) ?? { busy: false } } : o;
  });
  const p = plan(observed, snapshot.state, now, rules.options);
  summary.decisionMs = Math.round((cpu() - d0) * 10) / 10;

  // Commit the decisions first; the loser of a race does not act.
  const commit = await deps.state.write(p.nextState, snapshot.etag);
  if (!commit.ok) {
    summary.durationMs = Math.round(cpu() - t0);
    summary.ec2Calls = totalCalls(deps.fleet.counts);
    deps.log.warn('another reconciler run committed first; this run does not act', { seen: summary.seen });
    deps.metrics.count('LostRace', 1);
    emit(deps, summary);
    return summary;
  }
  summary.committed = true;

  const outcomes: ActionOutcome[] = [];
  const events: EventInput[] = [];
  const record = (action: ActionOutcome['action'], decisions: Decision[], res: BatchResult) => {
    const failures = new Map<string, FailedId>(res.failed.map((f) => [f.id, f]));
    for (const d of decisions) {
      const f = failures.get(d.id);
      outcomes.push({ decision: d, action, ok: !f, ...(f ? { code: f.code, message: f.message } : {}) });
    }
  };

  const startDecisions = p.starts;
  const starts = await deps.fleet.startMany(startDecisions.map((d) => d.id));
  record('start', startDecisions, starts);
  const stops = await deps.fleet.stopMany(p.stops.map((d) => d.id));
  record('stop', p.stops, stops);
  const terminations = await deps.fleet.terminateMany(p.terminations.map((d) => d.id));
  record('terminate', p.terminations, terminations);

  // Tags written or removed here are part of what this run's events report (the `vm` they carry).
  const retag = (ids: readonly string[], key: string, value: string | undefined) => {
    for (const id of ids) {
      const i = byId.get(id);
      if (!i) continue;
      const rest = (i.Tags ?? []).filter((t) => t.Key !== key);
      byId.set(id, { ...i, Tags: value === undefined ? rest : [...rest, { Key: key, Value: value }] });
    }
  };
  for (const w of p.tagWrites) {
    const r = await deps.fleet.tagMany(w.key, w.value, w.ids);
    for (const f of r.failed) deps.log.warn('could not write tag', { instanceId: f.id, tag: w.key, code: f.code });
    retag(r.ok, w.key, w.value);
  }
  for (const d of p.tagDeletes) {
    const r = await deps.fleet.untagMany(d.key, d.ids);
    for (const f of r.failed) deps.log.warn('could not delete tag', { instanceId: f.id, tag: d.key, code: f.code });
    retag(r.ok, d.key, undefined);
  }

  // Outcomes the next run must know (capacity retries, failed stops): a second conditional write,
  // only when there are any. If it loses a race the next run still verifies the starts itself.
  const after = applyOutcomes(p.nextState, outcomes);
  if (after) {
    const second = await deps.state.write(after, commit.etag);
    if (!second.ok) deps.log.warn('could not record action outcomes: another run committed meanwhile');
  }

  // Every event of this run reports what this run observed (its DescribeInstances, or the call
  // EC2 accepted) at `now`; a per-instance counter orders several events of one instance.
  const sequences = new Map<string, number>();
  const eventFor = (id: string, input: Omit<EventInput, 'instanceId' | 'tags' | 'now' | 'observedAt' | 'sequence'>) => {
    const instance = byId.get(id);
    if (!instance) return;
    // A boot failure reports the first boot, not a state: its event says `running` (STATE_OF_EVENT),
    // so the VM record rides along only when that is true (a deadline may pass on a stopped VM).
    const vm = input.type === 'vm.boot-failed' && instance.State?.Name !== 'running' ? undefined : deps.toVm?.(instance, after ?? p.nextState, now);
    const sequence = sequences.get(id) ?? 0;
    sequences.set(id, sequence + 1);
    events.push({ ...input, instanceId: id, tags: tagMap(instance.Tags), now, observedAt: now, sequence, ...(vm ? { vm } : {}) });
  };

  for (const o of outcomes) {
    const { id, reason } = o.decision;
    if (o.ok) {
      if (o.action === 'start') summary.detail.started[id] = reason;
      if (o.action === 'stop') {
        summary.detail.stopped[id] = reason;
        if (o.decision.cause === 'idle-stop') summary.idleStopped++;
        eventFor(id, { type: 'vm.stopped', cause: o.decision.cause, reason });
      }
      if (o.action === 'terminate') {
        summary.detail.terminated[id] = reason;
        eventFor(id, { type: 'vm.terminated', cause: 'idle-reaper', reason });
      }
      continue;
    }
    const why = `${o.action} failed: ${o.code ?? 'Error'}: ${o.message ?? ''}`.trim();
    summary.detail.failed[id] = why;
    if (o.action === 'start') {
      const retry = isCapacityError(o.code) ? `; retrying on the next run (attempt ${(o.decision.attempt ?? 0) + 1})` : '';
      eventFor(id, { type: 'vm.start-failed', cause: 'schedule', reason: `${why}${retry}` });
    }
  }
  for (const n of p.notices) {
    if (n.type === 'vm.start-failed') summary.detail.failed[n.id] = n.reason;
    if (n.type === 'vm.idle-warning') summary.idleWarnings++;
    if (n.type === 'vm.boot-failed') {
      summary.bootsTimedOut++;
      summary.detail.failed[n.id] = n.reason;
    }
    eventFor(n.id, {
      type: n.type,
      cause: n.cause,
      reason: n.reason,
      ...(n.terminateAt ? { terminateAt: n.terminateAt } : {}),
      ...(n.bootStep ? { bootStep: n.bootStep } : {}),
      ...(n.bootTimedOutMinutes ? { bootTimedOutMinutes: n.bootTimedOutMinutes } : {}),
      ...(n.deferredUntil ? { deferredUntil: n.deferredUntil } : {}),
      ...(n.busy ? { busy: n.busy } : {}),
    });
  }
  for (const s of p.skipped) {
    summary.detail.skipped[s.id] = s.reason;
    if (s.kind === 'schedule-error') summary.scheduleErrors++;
    if (s.kind === 'stop-busy') summary.stopsDeferred++;
  }

  const built: LifecycleEvent[] = [];
  for (const input of events) {
    const b = buildLifecycleEvent(input);
    if (b.ok) built.push(b.event);
    else deps.log.warn('no lifecycle event for instance with invalid identity tags', { instanceId: input.instanceId, type: input.type, problem: b.error });
  }
  const published = await deps.events.publish(built);
  for (const f of published.failed) deps.log.error('lifecycle event not published', { eventId: f.id, code: f.code });

  summary.started = Object.keys(summary.detail.started).length;
  summary.stopped = Object.keys(summary.detail.stopped).length;
  summary.terminated = Object.keys(summary.detail.terminated).length;
  summary.skipped = Object.keys(summary.detail.skipped).length;
  summary.failed = Object.keys(summary.detail.failed).length;
  summary.eventsPublished = published.published;
  summary.eventsFailed = published.failed.length;
  summary.ec2Calls = totalCalls(deps.fleet.counts);
  summary.durationMs = Math.round(cpu() - t0);
  emit(deps, summary);
  return summary;
}

/**
 * The fleet's activity, or undefined when it cannot be measured (not configured, AccessDenied,
 * throttled past the SDK's retries): the plan then falls back to the rules that need no
 * measurement, so an outage of SSM or CloudWatch never stops or terminates a VM in use.
 */
async function measureActivity(deps: ReconcilerDeps, instances: readonly Instance[], now: Date, cpu: CpuThresholds | undefined): Promise<Map<string, Activity> | undefined> {
  if (!deps.activity) return undefined;
  try {
    return await deps.activity.measure(
      instances.map((i) => ({ id: i.InstanceId ?? '', running: i.State?.Name === 'running' })),
      now,
      cpu,
    );
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : 'Error';
    deps.log.warn('activity not measured: idle stop and busy deferral are off for this run', { code });
    return undefined;
  }
}

/**
 * This run's idle and stop rules: the admin's saved policy over the stack's values. A policy that
 * cannot be read leaves the stack's values (readIdlePolicy logs why), so a Parameter Store outage
 * never stops the schedule.
 */
async function effectiveRules(deps: ReconcilerDeps): Promise<{ source: 'parameter' | 'stack'; options: PlanOptions; cpu?: CpuThresholds }> {
  if (!deps.policy) return { source: 'stack', options: deps.options };
  let read: PolicyRead;
  try {
    read = await deps.policy.read();
  } catch (e) {
    deps.log.warn('idle policy not read: using the stack values', { code: e instanceof Error ? e.name : 'Error' });
    return { source: 'stack', options: deps.options };
  }
  if (read.source === 'stack') return { source: 'stack', options: deps.options };
  const p = read.policy;
  return {
    source: 'parameter',
    options: {
      ...deps.options,
      idleDays: p.idleDays,
      idleWarningDays: p.idleWarningDays,
      idleStopMinutes: p.idleStopMinutes,
      stopDeferStepMinutes: p.stopDeferStepMinutes,
      stopDeferMaxMinutes: p.stopDeferMaxMinutes,
    },
    cpu: { cpuPercent: p.cpuBusyPercent, cpuSustainMinutes: p.cpuBusyMinutes },
  };
}

const MAX_DETAIL = 200;

function emit(deps: ReconcilerDeps, s: RunSummary): void {
  // One line per run. Per-instance reasons ride along keyed by id while they fit in a log event;
  // on a large run only failures are kept (CloudWatch caps an event at 256 KB).
  const { detail, ...counts } = s;
  const entries = Object.values(detail).reduce((n, d) => n + Object.keys(d).length, 0);
  const shown = entries <= MAX_DETAIL ? detail : { failed: Object.fromEntries(Object.entries(detail.failed).slice(0, MAX_DETAIL)), truncated: true };
  deps.log.info('reconcile run', { ...counts, detail: shown });
  deps.metrics.count('Seen', s.seen);
  deps.metrics.count('Started', s.started);
  deps.metrics.count('Stopped', s.stopped);
  deps.metrics.count('Terminated', s.terminated);
  deps.metrics.count('Skipped', s.skipped);
  deps.metrics.count('Failed', s.failed);
  deps.metrics.count('IdleWarnings', s.idleWarnings);
  deps.metrics.count('ScheduleErrors', s.scheduleErrors);
  deps.metrics.count('Ec2Calls', s.ec2Calls);
  deps.metrics.count('SsmCalls', s.ssmCalls);
  deps.metrics.count('CloudWatchCalls', s.cloudWatchCalls);
  deps.metrics.count('StopsDeferred', s.stopsDeferred);
  deps.metrics.count('IdleStopped', s.idleStopped);
  deps.metrics.count('BootsTimedOut', s.bootsTimedOut);
  deps.metrics.count('ActivityUnmeasured', s.activityMeasured ? 0 : 1);
  deps.metrics.milliseconds('DecisionTime', s.decisionMs);
  deps.metrics.milliseconds('Duration', s.durationMs);
}

/** Usage-aware `vm` builder for events, given the VM API's mapper. */
export function withUsage(
  toVm: (instance: Instance, usage: ReturnType<typeof usageFor>) => Vm | undefined,
): (instance: Instance, state: SchedulerState, now: Date) => Vm | undefined {
  return (instance, state, now) => toVm(instance, usageFor(state, instance.InstanceId ?? '', now));
}
