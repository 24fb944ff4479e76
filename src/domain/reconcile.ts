import { Tag } from '../contract/tags';
import { isGone, isRunningLike } from './ec2-state';
import {
  bootDeadline,
  boundaryStep,
  idleStop,
  iso,
  maxDefined,
  recoverLostStop,
  teardown,
  verifyStart,
  type Decision,
  type Notice,
  type ObservedVm,
  type Skip,
  type StepContext,
  type Target,
} from './reconcile-steps';
import { scheduleFromTags, parseInstant } from './schedule-tags';
import { formatStopDeferral } from './stop-deferral';
import { boundariesBetween, scheduleKey, type Boundary } from './schedule';
import { accountUsage, STATE_VERSION, type InstanceRecord, type OwedAction, type SchedulerState } from './scheduler-state';

export type { Decision, Notice, ObservedVm, Skip } from './reconcile-steps';

/**
 * The reconciler's decisions, without I/O: (observed instances, remembered state, now) → what to
 * start, stop, terminate and tag, which lifecycle notices to send, and the state to commit.
 *
 * The scheduler acts on BOUNDARIES, never on "should it be running now": a start boundary that
 * passed since the last run starts a stopped VM, a stop boundary stops a running one. A VM someone
 * started by hand in the evening therefore runs until the next stop boundary, and a VM someone
 * stopped at lunch stays stopped: the scheduler never fights a person mid-window. Missed runs are
 * caught up because the window is (last run, now], capped at `maxLookbackHours` so a scheduler
 * that was down for days does not replay stale boundaries; only the LATEST boundary in the window
 * matters (a stop after a start means the VM should end up stopped).
 *
 * When a boundary cannot be carried out now (capacity error, VM still stopping/pending, a stop
 * held back by KeepRunningUntil) it is remembered as `owed` and retried on later runs until a
 * newer boundary supersedes it or it grows older than the lookback.
 *
 * Activity (src/domain/activity.ts) adds three rules: a running VM idle for `idleStopMinutes` is
 * stopped; a scheduled stop of a busy VM is deferred in steps up to a maximum; a VM without
 * activity for `idleDays` is warned, then terminated. A parked VM (issue closed: ParkedAt tag)
 * keeps its working hours but its starts are skipped.
 */

export interface PlanOptions {
  intervalMinutes: number;
  idleDays: number;
  idleWarningDays: number;
  /** Oldest boundary a run still acts on (missed runs), default 24 h. */
  maxLookbackHours?: number;
  /** A start still `pending` after this long is reported as failed; default max(15 min, 3 intervals). */
  pendingStartTimeoutMinutes?: number;
  /** Failed attempts (capacity errors, failed calls) before giving up on a start or stop; default 12 (an hour at 5-minute runs). */
  maxAttempts?: number;
  /**
   * How long after a run committed a start/stop that run may still be making the call; default
   * half the interval. Within it, an overlapping run (a duplicate invocation) does not treat the
   * action as lost and repeat it; the next regular run, later than this, recovers a run that died.
   */
  inFlightMinutes?: number;
  /** Minutes without activity before a running VM is stopped; 0 = off (default). Per-VM IdleStopMinutes tag overrides. */
  idleStopMinutes?: number;
  /** A busy VM's scheduled stop is re-checked every this many minutes (default 30)... */
  stopDeferStepMinutes?: number;
  /** ...up to this many minutes after the boundary (default 180; 0 = never defer). */
  stopDeferMaxMinutes?: number;
  /** Minutes after launch (CreatedAt) by which the first boot must signal ready (default 30; 0 = off). */
  bootDeadlineMinutes?: number;
}

export interface TagWrite {
  key: string;
  value: string;
  ids: string[];
}
export interface TagDelete {
  key: string;
  ids: string[];
}

export interface Plan {
  starts: Decision[];
  /** Scheduled stops and idle stops (cause `schedule` / `idle-stop`). */
  stops: Decision[];
  terminations: Decision[];
  /** One entry per distinct (key, value): the handler makes one CreateTags call per entry (per 1000 ids). */
  tagWrites: TagWrite[];
  tagDeletes: TagDelete[];
  /** Events that do not depend on this run's calls: verified starts, failed starts, idle warnings. */
  notices: Notice[];
  /** VMs a boundary or rule applied to that were deliberately left alone, with why. */
  skipped: Skip[];
  /** The state to commit (conditionally) BEFORE acting. */
  nextState: SchedulerState;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MINUTE = 60_000;

const CAPACITY_CODES = new Set([
  'InsufficientInstanceCapacity',
  'InsufficientHostCapacity',
  'InsufficientReservedInstanceCapacity',
  'InsufficientCapacity',
  'Server.InsufficientInstanceCapacity',
]);
/** Errors that mean "try again later" rather than "this start can never work". */
export const isCapacityError = (code: string | undefined): boolean => code !== undefined && CAPACITY_CODES.has(code);

function contextOf(now: Date, options: PlanOptions): StepContext {
  return {
    nowMs: now.getTime(),
    nowIso: now.toISOString(),
    lookbackMs: (options.maxLookbackHours ?? 24) * HOUR,
    pendingTimeoutMs: (options.pendingStartTimeoutMinutes ?? Math.max(15, 3 * options.intervalMinutes)) * MINUTE,
    maxAttempts: options.maxAttempts ?? 12,
    inFlightMs: (options.inFlightMinutes ?? options.intervalMinutes / 2) * MINUTE,
    idleMs: options.idleDays * DAY,
    warnMs: options.idleWarningDays * DAY,
    idleStopMs: (options.idleStopMinutes ?? 0) * MINUTE,
    deferStepMs: (options.stopDeferStepMinutes ?? 30) * MINUTE,
    deferMaxMs: (options.stopDeferMaxMinutes ?? 180) * MINUTE,
    bootDeadlineMs: (options.bootDeadlineMinutes ?? 30) * MINUTE,
  };
}

/** What one VM contributes to the plan. */
interface VmPlan {
  start?: Decision;
  stop?: Decision;
  terminate?: Decision;
  notices: Notice[];
  skipped: Skip[];
  tagWrites: { key: string; value: string }[];
  tagDeletes: string[];
  record: InstanceRecord;
}

function goneVm(vm: ObservedVm, prev: InstanceRecord | undefined, now: Date, ctx: StepContext): VmPlan {
  // Terminated by someone else (the API on close, the console, EC2 itself): announced once, when
  // a run that saw it alive first sees it going, so the issue does not keep showing a VM that no
  // longer exists. The reaper's own terminations are recorded as `shutting-down` and announced by
  // the run that made them. Never-seen instances stay quiet (a first run over an old fleet).
  // Terminated instances stay listed about an hour, then vanish and their record with them.
  const notices: Notice[] = [];
  if (prev && prev.lastState !== 'shutting-down' && prev.lastState !== 'terminated') {
    notices.push({ id: vm.id, type: 'vm.terminated', cause: 'ec2', reason: `terminated outside the scheduler (EC2 state ${vm.state})` });
  }
  return {
    notices,
    skipped: [],
    tagWrites: [],
    tagDeletes: [],
    record: {
      firstSeenAt: prev?.firstSeenAt ?? ctx.nowIso,
      lastObservedAt: ctx.nowIso,
      lastState: vm.state,
      usage: accountUsage(prev, vm.state, vm.launchTime, now, ctx.lookbackMs),
      ...(prev?.lastSeenRunning ? { lastSeenRunning: prev.lastSeenRunning } : {}),
      ...(prev?.lastActivityAt ? { lastActivityAt: prev.lastActivityAt } : {}),
      ...(prev?.bootTimedOutAt ? { bootTimedOutAt: prev.bootTimedOutAt } : {}),
    },
  };
}

function planVm(vm: ObservedVm, prev: InstanceRecord | undefined, now: Date, ctx: StepContext, latestBoundary: (key: string, s: Parameters<typeof boundariesBetween>[0]) => Boundary | null): VmPlan {
  if (isGone(vm.state)) return goneVm(vm, prev, now, ctx);
  const out: Omit<VmPlan, 'record'> = { notices: [], skipped: [], tagWrites: [], tagDeletes: [] };
  // A `running` notice is held until the end: a stop decided later in this run supersedes it
  // (its events would otherwise say "stopped" and then "started" for one observation).
  let runningNotice: Notice | undefined;
  let pendingStart = prev?.pendingStart;
  let owed: OwedAction | undefined = prev?.owed;
  let lastState: string = vm.state;

  // 1. Verify the start issued by an earlier run.
  const check = verifyStart(vm, prev, ctx);
  switch (check.kind) {
    case 'verified':
    case 'first-running':
      runningNotice = check.notice;
      pendingStart = undefined;
      break;
    case 'lost':
      owed = check.owed;
      pendingStart = undefined;
      break;
    case 'failed':
      out.notices.push(check.notice);
      pendingStart = undefined;
      break;
    case 'waiting':
    case 'none':
      break;
  }

  // 2. A stop committed by an earlier run that never reached EC2.
  if (!owed) {
    const lost = recoverLostStop(vm, prev, ctx);
    if (lost.kind === 'in-flight') lastState = 'stopping';
    else if (lost.kind === 'lost') owed = lost.owed;
  }

  // Measured activity, remembered across runs (the measurement windows are short).
  const lastActivityMs = maxDefined(prev?.lastActivityAt ? Date.parse(prev.lastActivityAt) : undefined, vm.activity?.lastActiveAt?.getTime());
  const parkedRaw = vm.tags.get(Tag.ParkedAt);
  const parkedAt = parkedRaw !== undefined ? (parseInstant(parkedRaw)?.toISOString() ?? parkedRaw) : undefined;

  let deferral: Skip['deferral'];

  // 3. Schedule tags: a malformed tag is reported (ScheduleError) and nothing else happens.
  const parsed = scheduleFromTags(vm.tags);
  const currentError = vm.tags.get(Tag.ScheduleError);
  const keepRunningUntil = parsed.ok ? parsed.keepRunningUntil : undefined;
  if (!parsed.ok) {
    if (currentError !== parsed.error) out.tagWrites.push({ key: Tag.ScheduleError, value: parsed.error });
    out.skipped.push({ id: vm.id, kind: 'schedule-error', reason: `schedule error: ${parsed.error}` });
    owed = undefined;
  } else {
    if (currentError !== undefined) out.tagDeletes.push(Tag.ScheduleError);
    if (!parsed.schedule.enabled) {
      owed = undefined;
    } else {
      const latest = latestBoundary(scheduleKey(parsed.schedule), parsed.schedule);
      // A new boundary supersedes whatever was owed; an owed action expires with the lookback.
      if (latest !== null || (owed && ctx.nowMs - Date.parse(owed.boundaryAt) > ctx.lookbackMs)) owed = undefined;
      const target: Target | undefined = latest
        ? { kind: latest.kind, atMs: latest.at.getTime(), attempts: 0, fromOwed: false }
        : owed
          ? {
              kind: owed.kind,
              atMs: Date.parse(owed.boundaryAt),
              attempts: owed.attempts,
              fromOwed: true,
              ...(owed.reason ? { why: owed.reason } : {}),
              ...(owed.deferredUntil ? { deferredUntilMs: Date.parse(owed.deferredUntil) } : {}),
            }
          : undefined;
      owed = undefined;
      if (target) {
        const boundaryAt = iso(target.atMs);
        const label = target.kind === 'start' ? `${Tag.AutoStart} ${parsed.schedule.start}` : `${Tag.AutoStop} ${parsed.schedule.stop}`;
        const what = `${label} ${parsed.schedule.timezone} (${boundaryAt})${target.fromOwed && target.why !== 'busy' ? `, retry ${target.attempts + 1}` : ''}`;
        const step = boundaryStep(vm, target, what, { ...(keepRunningUntil ? { keepRunningUntil } : {}), ...(parkedAt ? { parkedAt } : {}) }, ctx);
        switch (step.kind) {
          case 'start':
            out.start = step.decision;
            pendingStart = { at: ctx.nowIso, boundaryAt };
            break;
          case 'start-given-up':
            out.notices.push(step.notice);
            break;
          case 'skip':
            out.skipped.push(step.skip);
            owed = step.owed;
            deferral = step.skip.deferral;
            break;
          case 'stop':
            out.stop = step.decision;
            break;
          case 'none':
            break;
        }
      }
    }
  }

  // 4. Idle stop: a running VM nobody uses is stopped (the next scheduled start starts it again).
  if (!out.stop && !out.start && !pendingStart) {
    const idle = idleStop(vm, prev, lastActivityMs, keepRunningUntil ? { keepRunningUntil } : {}, ctx);
    if (idle.kind === 'idle-stop') {
      out.stop = idle.decision;
      owed = undefined; // a stop owed to the schedule is carried out by this one
    }
  }

  // 5. Idle teardown. A VM the scheduler starts this run is running as far as the legacy clock goes.
  const running = isRunningLike(vm.state);
  const lastSeenRunning = running || (out.start && !vm.activity) ? ctx.nowIso : prev?.lastSeenRunning;
  let idleWarning = prev?.idleWarning;
  if (out.start && !vm.activity) idleWarning = undefined;
  else {
    const reap = teardown(vm, prev, lastActivityMs, lastSeenRunning, ctx);
    idleWarning = reap.kind === 'terminate' ? idleWarning : reap.idleWarning;
    if (reap.kind === 'warn') out.notices.push(reap.notice);
    if (reap.kind === 'terminate') {
      // Announced by this run (vm.terminated, cause idle-reaper), so not again when seen going.
      out.terminate = reap.decision;
      delete out.start;
      delete out.stop;
      pendingStart = undefined;
      owed = undefined;
      lastState = 'shutting-down';
    }
  }
  if (out.stop) {
    lastState = 'stopping';
    pendingStart = undefined;
    runningNotice = undefined;
  }
  if (runningNotice) out.notices.push(runningNotice);

  // A stop waiting because the VM is busy is shown on the instance (DevVmStopDeferredUntil) for
  // the panel, and announced once per boundary; the tag goes when the wait ends.
  const deferredTag = vm.tags.get(Tag.StopDeferredUntil);
  if (deferral && !out.terminate) {
    const value = formatStopDeferral(deferral);
    if (deferredTag !== value) out.tagWrites.push({ key: Tag.StopDeferredUntil, value });
    if (deferral.first) {
      out.notices.push({ id: vm.id, type: 'vm.stop-deferred', cause: 'schedule', reason: `the scheduled stop waits until ${deferral.until}: the VM is busy`, deferredUntil: deferral.until, busy: deferral.busy });
    }
  } else if (deferredTag !== undefined) out.tagDeletes.push(Tag.StopDeferredUntil);

  // 6. The first boot must have signalled ready by its deadline.
  let bootTimedOutAt = prev?.bootTimedOutAt;
  const boot = bootDeadline(vm, prev, ctx);
  if (boot.kind === 'boot-timed-out') {
    out.notices.push(boot.notice);
    bootTimedOutAt = ctx.nowIso;
  }

  // 7. The record to commit.
  const record: InstanceRecord = {
    firstSeenAt: prev?.firstSeenAt ?? ctx.nowIso,
    lastObservedAt: ctx.nowIso,
    lastState,
    usage: accountUsage(prev, vm.state, vm.launchTime, now, ctx.lookbackMs),
    ...(lastSeenRunning ? { lastSeenRunning } : {}),
    ...(lastActivityMs !== undefined ? { lastActivityAt: iso(lastActivityMs) } : {}),
    ...(pendingStart ? { pendingStart } : {}),
    ...(owed ? { owed } : {}),
    ...(idleWarning ? { idleWarning } : {}),
    ...(bootTimedOutAt ? { bootTimedOutAt } : {}),
    ...lastStopOf(out.stop, prev, ctx),
  };
  return { ...out, record };
}

/** This run's stop (committed before it is made), else the previous one: the fleet page tells idle stops apart. */
function lastStopOf(stop: Decision | undefined, prev: InstanceRecord | undefined, ctx: StepContext): Pick<InstanceRecord, 'lastStop'> {
  if (stop) return { lastStop: { at: ctx.nowIso, cause: stop.cause === 'idle-stop' ? 'idle-stop' : 'schedule' } };
  return prev?.lastStop ? { lastStop: prev.lastStop } : {};
}

export function plan(vms: readonly ObservedVm[], state: SchedulerState, now: Date, options: PlanOptions): Plan {
  const ctx = contextOf(now, options);
  const intervalMs = options.intervalMinutes * MINUTE;
  // (since, now]: from the last run (never before the lookback, never after now). A run that finds
  // a later lastRunAt (an overlapping run got there first) sees an empty window.
  const lastRunMs = state.lastRunAt ? Date.parse(state.lastRunAt) : ctx.nowMs - intervalMs;
  const since = new Date(Math.min(Math.max(lastRunMs, ctx.nowMs - ctx.lookbackMs), ctx.nowMs));

  // VMs with the same schedule share one boundary computation.
  const memo = new Map<string, Boundary | null>();
  const latestBoundary = (key: string, schedule: Parameters<typeof boundariesBetween>[0]): Boundary | null => {
    let latest = memo.get(key);
    if (latest === undefined) {
      const all = boundariesBetween(schedule, since, now);
      latest = all[all.length - 1] ?? null;
      memo.set(key, latest);
    }
    return latest;
  };

  const out: Plan = { starts: [], stops: [], terminations: [], tagWrites: [], tagDeletes: [], notices: [], skipped: [], nextState: { version: STATE_VERSION, instances: {} } };
  const writes = new Map<string, string[]>(); // `${key}\u0000${value}` → ids
  const deletes = new Map<string, string[]>();
  const push = (m: Map<string, string[]>, k: string, id: string) => {
    const list = m.get(k);
    if (list) list.push(id);
    else m.set(k, [id]);
  };

  for (const vm of vms) {
    const v = planVm(vm, state.instances[vm.id], now, ctx, latestBoundary);
    if (v.start) out.starts.push(v.start);
    if (v.stop) out.stops.push(v.stop);
    if (v.terminate) out.terminations.push(v.terminate);
    out.notices.push(...v.notices);
    out.skipped.push(...v.skipped);
    for (const w of v.tagWrites) push(writes, `${w.key}\u0000${w.value}`, vm.id);
    for (const key of v.tagDeletes) push(deletes, key, vm.id);
    out.nextState.instances[vm.id] = v.record;
  }

  // Never move lastRunAt backwards (an overlapping run may have committed a later one).
  out.nextState.lastRunAt = iso(Math.max(ctx.nowMs, state.lastRunAt ? Date.parse(state.lastRunAt) : ctx.nowMs));
  for (const [k, ids] of writes) {
    const [key, value] = k.split('\u0000') as [string, string];
    out.tagWrites.push({ key, value, ids });
  }
  for (const [key, ids] of deletes) out.tagDeletes.push({ key, ids });
  return out;
}

export interface ActionOutcome {
  decision: Decision;
  action: 'start' | 'stop' | 'terminate';
  ok: boolean;
  /** EC2 error code of a failed call, e.g. InsufficientInstanceCapacity. */
  code?: string;
  message?: string;
}

/**
 * Fold the results of this run's calls into the committed state: a start that hit a capacity
 * error becomes an owed start (retried next run), any other failed start is forgotten (reported
 * now, not retried: it would fail the same way), a failed stop is owed and retried.
 * Returns undefined when nothing changes, so the handler skips the second write.
 */
export function applyOutcomes(state: SchedulerState, outcomes: readonly ActionOutcome[]): SchedulerState | undefined {
  let changed = false;
  const instances = { ...state.instances };
  for (const o of outcomes) {
    if (o.ok || o.action === 'terminate') continue; // a failed termination is retried by the reaper's own rule
    const rec = instances[o.decision.id];
    if (!rec) continue;
    const boundaryAt = o.decision.boundaryAt ?? rec.lastObservedAt;
    const attempts = (o.decision.attempt ?? 0) + 1;
    const next: InstanceRecord = { ...rec };
    if (o.action === 'start') {
      delete next.pendingStart;
      if (isCapacityError(o.code)) next.owed = { kind: 'start', boundaryAt, attempts, reason: o.code ?? 'capacity' };
      else delete next.owed;
    } else {
      next.lastState = 'running';
      next.owed = { kind: 'stop', boundaryAt, attempts, reason: o.code ?? 'stop failed' };
    }
    instances[o.decision.id] = next;
    changed = true;
  }
  return changed ? { ...state, instances } : undefined;
}
