import { Tag } from '../contract/tags';
import { scheduleFromTags, parseInstant } from './schedule-tags';
import { boundariesBetween, scheduleKey, type Boundary } from './schedule';
import { accountUsage, type InstanceRecord, type OwedAction, type SchedulerState } from './scheduler-state';

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
 */

export interface ObservedVm {
  id: string;
  /** EC2 state name: pending | running | stopping | stopped | shutting-down. */
  state: string;
  tags: ReadonlyMap<string, string>;
  /** EC2 LaunchTime: the time of the latest start. */
  launchTime?: Date;
  /** EC2 StateReason (message, else code), e.g. why a start fell back to stopped. */
  stateReason?: string;
}

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
}

export type Cause = 'schedule' | 'idle-reaper' | 'ec2';

export interface Decision {
  id: string;
  reason: string;
  cause: Cause;
  /** The boundary carried out (start/stop), ISO. */
  boundaryAt?: string;
  /** Earlier failed attempts of this action (0 on the first try). */
  attempt?: number;
}

export type NoticeType = 'vm.running' | 'vm.start-failed' | 'vm.idle-warning' | 'vm.terminated';
export interface Notice {
  id: string;
  type: NoticeType;
  cause: Cause;
  reason: string;
  terminateAt?: string;
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
  stops: Decision[];
  terminations: Decision[];
  /** One entry per distinct (key, value): the handler makes one CreateTags call per entry (per 1000 ids). */
  tagWrites: TagWrite[];
  tagDeletes: TagDelete[];
  /** Events that do not depend on this run's calls: verified starts, failed starts, idle warnings. */
  notices: Notice[];
  /** VMs a boundary or rule applied to that were deliberately left alone, with why. */
  skipped: { id: string; reason: string }[];
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

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function maxDefined(...values: (number | undefined)[]): number | undefined {
  let out: number | undefined;
  for (const v of values) if (v !== undefined && !Number.isNaN(v) && (out === undefined || v > out)) out = v;
  return out;
}

const RUNNING_LIKE = new Set(['pending', 'running']);
/** EC2 states of an instance that is going or gone; nothing is scheduled for it any more. */
const GONE = new Set(['shutting-down', 'terminated']);

export function plan(vms: readonly ObservedVm[], state: SchedulerState, now: Date, options: PlanOptions): Plan {
  const nowMs = now.getTime();
  const nowIso = now.toISOString();
  const intervalMs = options.intervalMinutes * MINUTE;
  const lookbackMs = (options.maxLookbackHours ?? 24) * HOUR;
  const pendingTimeoutMs = (options.pendingStartTimeoutMinutes ?? Math.max(15, 3 * options.intervalMinutes)) * MINUTE;
  const maxAttempts = options.maxAttempts ?? 12;
  const inFlightMs = (options.inFlightMinutes ?? options.intervalMinutes / 2) * MINUTE;
  const idleMs = options.idleDays * DAY;
  const warnMs = options.idleWarningDays * DAY;

  // (since, now]: from the last run (never before the lookback, never after now). A run that finds
  // a later lastRunAt (an overlapping run got there first) sees an empty window.
  const lastRunMs = state.lastRunAt ? Date.parse(state.lastRunAt) : nowMs - intervalMs;
  const sinceMs = Math.min(Math.max(lastRunMs, nowMs - lookbackMs), nowMs);
  const since = new Date(sinceMs);

  // VMs with the same schedule share one boundary computation.
  const boundaryMemo = new Map<string, Boundary | null>();

  const out: Plan = { starts: [], stops: [], terminations: [], tagWrites: [], tagDeletes: [], notices: [], skipped: [], nextState: { version: 1, instances: {} } };
  const writes = new Map<string, string[]>(); // `${key}\u0000${value}` → ids
  const deletes = new Map<string, string[]>();
  const addWrite = (key: string, value: string, id: string) => {
    const k = `${key}\u0000${value}`;
    const list = writes.get(k);
    if (list) list.push(id);
    else writes.set(k, [id]);
  };
  const addDelete = (key: string, id: string) => {
    const list = deletes.get(key);
    if (list) list.push(id);
    else deletes.set(key, [id]);
  };

  for (const vm of vms) {
    const prev: InstanceRecord | undefined = state.instances[vm.id];
    if (GONE.has(vm.state)) {
      // Terminated by someone else (the API on close, the console, EC2 itself): announced once,
      // when a run that saw it alive first sees it going, so the issue does not keep showing a
      // VM that no longer exists. The reaper's own terminations are recorded as `shutting-down`
      // below and announced by the run that made them. Never-seen instances stay quiet (a first
      // run over an old fleet). Terminated instances stay listed about an hour, then vanish and
      // their record with them.
      if (prev && !GONE.has(prev.lastState)) {
        out.notices.push({ id: vm.id, type: 'vm.terminated', cause: 'ec2', reason: `terminated outside the scheduler (EC2 state ${vm.state})` });
      }
      out.nextState.instances[vm.id] = {
        firstSeenAt: prev?.firstSeenAt ?? nowIso,
        lastObservedAt: nowIso,
        lastState: vm.state,
        usage: accountUsage(prev, vm.state, vm.launchTime, now, lookbackMs),
        ...(prev?.lastSeenRunning ? { lastSeenRunning: prev.lastSeenRunning } : {}),
      };
      continue;
    }
    const running = RUNNING_LIKE.has(vm.state);
    // A `running` notice is held until the end: a stop decided later in this run supersedes it
    // (its events would otherwise say "stopped" and then "started" for one observation).
    let runningNotice: Notice | undefined;
    let pendingStart = prev?.pendingStart;
    let owed: OwedAction | undefined = prev?.owed;
    let idleWarning = prev?.idleWarning;
    let lastState = vm.state;
    let starting = false;

    // 1. Verify the start issued by an earlier run.
    if (pendingStart) {
      const ageMs = nowMs - Date.parse(pendingStart.at);
      if (vm.state === 'running') {
        runningNotice = { id: vm.id, type: 'vm.running', cause: 'schedule', reason: `started by the schedule at ${pendingStart.at}` };
        pendingStart = undefined;
      } else if (vm.state === 'pending' && ageMs < pendingTimeoutMs) {
        // still coming up: look again next run
      } else if (vm.state === 'stopped' && vm.launchTime !== undefined && vm.launchTime.getTime() < Date.parse(pendingStart.at) && ageMs < inFlightMs) {
        // Committed moments ago by a run that may still be calling StartInstances: look again next run.
      } else if (vm.state === 'stopped' && vm.launchTime !== undefined && vm.launchTime.getTime() < Date.parse(pendingStart.at)) {
        // Never launched since the start was committed: the call did not happen or failed and its
        // outcome was not recorded (the run died, or lost the second write). Owe it, don't report.
        owed = { kind: 'start', boundaryAt: pendingStart.boundaryAt, attempts: (owed?.attempts ?? 0) + 1, reason: `start not carried out${vm.stateReason ? ` (${vm.stateReason})` : ''}` };
        pendingStart = undefined;
      } else {
        const why =
          vm.state === 'pending'
            ? `still pending ${Math.round(ageMs / MINUTE)} minutes after the start`
            : `start at ${pendingStart.at} did not reach running (now ${vm.state}${vm.stateReason ? `: ${vm.stateReason}` : ''})`;
        out.notices.push({ id: vm.id, type: 'vm.start-failed', cause: 'ec2', reason: why });
        pendingStart = undefined;
      }
    } else if (vm.state === 'running' && (prev === undefined || prev.lastState === 'pending')) {
      // 1b. A VM the API launched (not a scheduler start) is announced when it is first seen
      // running, so its issue gets the connection details: the API answers while EC2 is still
      // pending. Only VMs created within the lookback, so a first run over an old fleet stays quiet.
      const createdMs = parseInstant(vm.tags.get(Tag.CreatedAt) ?? '')?.getTime();
      if (createdMs !== undefined && nowMs - createdMs <= lookbackMs) {
        runningNotice = { id: vm.id, type: 'vm.running', cause: 'ec2', reason: 'running for the first time after provisioning' };
      }
    }

    // A stop committed by an earlier run that never reached EC2 (the run died after its commit):
    // still running, and not restarted since (EC2's LaunchTime is older than that run). Owe it.
    if (!owed && prev?.lastState === 'stopping' && vm.state === 'running' && vm.launchTime !== undefined && vm.launchTime.getTime() < Date.parse(prev.lastObservedAt)) {
      // Within the in-flight time the committing run may still be calling StopInstances: keep the
      // mark for the next run instead of stopping (and announcing) a second time.
      if (nowMs - Date.parse(prev.lastObservedAt) < inFlightMs) lastState = 'stopping';
      else owed = { kind: 'stop', boundaryAt: prev.lastObservedAt, attempts: 1, reason: 'stop not carried out' };
    }

    // 2. Schedule tags: a malformed tag is reported (ScheduleError) and nothing else happens.
    const parsed = scheduleFromTags(vm.tags);
    const currentError = vm.tags.get(Tag.ScheduleError);
    if (!parsed.ok) {
      if (currentError !== parsed.error) addWrite(Tag.ScheduleError, parsed.error, vm.id);
      out.skipped.push({ id: vm.id, reason: `schedule error: ${parsed.error}` });
      owed = undefined;
    } else {
      if (currentError !== undefined) addDelete(Tag.ScheduleError, vm.id);
      if (!parsed.schedule.enabled) {
        owed = undefined;
      } else {
        const key = scheduleKey(parsed.schedule);
        let latest = boundaryMemo.get(key);
        if (latest === undefined) {
          const all = boundariesBetween(parsed.schedule, since, now);
          latest = all[all.length - 1] ?? null;
          boundaryMemo.set(key, latest);
        }
        // A new boundary supersedes whatever was owed; an owed action expires with the lookback.
        if (latest !== null || (owed && nowMs - Date.parse(owed.boundaryAt) > lookbackMs)) owed = undefined;
        const target: { kind: 'start' | 'stop'; atMs: number; attempts: number; fromOwed: boolean; why?: string } | undefined = latest
          ? { kind: latest.kind, atMs: latest.at.getTime(), attempts: 0, fromOwed: false }
          : owed
            ? { kind: owed.kind, atMs: Date.parse(owed.boundaryAt), attempts: owed.attempts, fromOwed: true, ...(owed.reason ? { why: owed.reason } : {}) }
            : undefined;
        owed = undefined;
        if (target) {
          const boundaryAt = iso(target.atMs);
          const label = target.kind === 'start' ? `${Tag.AutoStart} ${parsed.schedule.start}` : `${Tag.AutoStop} ${parsed.schedule.stop}`;
          const what = `${label} ${parsed.schedule.timezone} (${boundaryAt})${target.fromOwed ? `, retry ${target.attempts + 1}` : ''}`;
          if (target.kind === 'start') {
            if (target.attempts >= maxAttempts) {
              out.notices.push({ id: vm.id, type: 'vm.start-failed', cause: 'schedule', reason: `gave up after ${target.attempts} attempts${target.why ? ` (last: ${target.why})` : ''}: ${what}` });
            } else if (vm.state === 'stopped') {
              out.starts.push({ id: vm.id, reason: what, cause: 'schedule', boundaryAt, attempt: target.attempts });
              pendingStart = { at: nowIso, boundaryAt };
              starting = true;
            } else if (vm.state === 'stopping') {
              owed = { kind: 'start', boundaryAt, attempts: target.attempts, reason: 'still stopping' };
              out.skipped.push({ id: vm.id, reason: `start deferred, still stopping: ${what}` });
            }
          } else if (target.attempts >= maxAttempts) {
            out.skipped.push({ id: vm.id, reason: `stop given up after ${target.attempts} failed attempts: ${what}` });
          } else if (vm.state === 'running' || vm.state === 'pending') {
            const keep = parsed.keepRunningUntil;
            if (keep && keep.getTime() > nowMs) {
              owed = { kind: 'stop', boundaryAt, attempts: target.attempts, reason: `KeepRunningUntil ${keep.toISOString()}` };
              out.skipped.push({ id: vm.id, reason: `stop held back by ${Tag.KeepRunningUntil} ${keep.toISOString()}: ${what}` });
            } else if (vm.state === 'pending') {
              owed = { kind: 'stop', boundaryAt, attempts: target.attempts, reason: 'still pending' };
              out.skipped.push({ id: vm.id, reason: `stop deferred, still pending: ${what}` });
            } else {
              out.stops.push({ id: vm.id, reason: what, cause: 'schedule', boundaryAt, attempt: target.attempts });
              lastState = 'stopping';
              pendingStart = undefined;
              runningNotice = undefined;
            }
          }
        }
      }
    }

    // 3. Idle reaper: stopped for idleDays → warn idleWarningDays ahead (once), then terminate.
    // The idle clock starts at the latest of: last seen running, first seen by the scheduler,
    // CreatedAt, EC2 LaunchTime — so a lost state record delays a termination, never hastens it.
    const lastSeenRunning = running ? nowIso : prev?.lastSeenRunning;
    if (running || starting) {
      idleWarning = undefined;
    } else if (vm.state === 'stopped') {
      const createdAt = parseInstant(vm.tags.get(Tag.CreatedAt) ?? '')?.getTime();
      const base =
        maxDefined(
          lastSeenRunning ? Date.parse(lastSeenRunning) : undefined,
          prev ? Date.parse(prev.firstSeenAt) : nowMs,
          createdAt,
          vm.launchTime?.getTime(),
        ) ?? nowMs;
      if (idleWarning && Date.parse(idleWarning.at) < base) idleWarning = undefined; // ran since the warning
      if (!idleWarning && nowMs >= base + idleMs - warnMs) {
        const terminateAt = iso(Math.max(base + idleMs, nowMs + warnMs));
        idleWarning = { at: nowIso, terminateAt };
        out.notices.push({
          id: vm.id,
          type: 'vm.idle-warning',
          cause: 'idle-reaper',
          reason: `not running since ${iso(base)}; terminated at ${terminateAt} unless started (home directory and databases are kept)`,
          terminateAt,
        });
      } else if (idleWarning && nowMs >= Date.parse(idleWarning.terminateAt)) {
        // Announced by this run (vm.terminated, cause idle-reaper), so not again when seen going.
        lastState = 'shutting-down';
        out.terminations.push({
          id: vm.id,
          cause: 'idle-reaper',
          reason: `not running since ${iso(base)} (${Math.floor((nowMs - base) / DAY)} days), warned at ${idleWarning.at}`,
        });
      }
    }

    if (runningNotice) out.notices.push(runningNotice);

    // 4. The record to commit.
    const usage = accountUsage(prev, vm.state, vm.launchTime, now, lookbackMs);
    const rec: InstanceRecord = {
      firstSeenAt: prev?.firstSeenAt ?? nowIso,
      lastObservedAt: nowIso,
      lastState,
      usage,
      ...(lastSeenRunning ? { lastSeenRunning } : {}),
      ...(pendingStart ? { pendingStart } : {}),
      ...(owed ? { owed } : {}),
      ...(idleWarning ? { idleWarning } : {}),
    };
    out.nextState.instances[vm.id] = rec;
  }

  // Never move lastRunAt backwards (an overlapping run may have committed a later one).
  out.nextState.lastRunAt = iso(Math.max(nowMs, state.lastRunAt ? Date.parse(state.lastRunAt) : nowMs));
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
