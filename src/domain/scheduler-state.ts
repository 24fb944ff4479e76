import * as z from 'zod';
import { StopCause, type Usage } from '../contract/vm-api';

/**
 * What the scheduler remembers between runs: ONE record for the whole fleet (an S3 object,
 * infra-cdk/lambda/shared/scheduler-state.ts), read once and written with a conditional write per
 * run, so remembering costs no call per instance and survives Lambda restarts.
 *
 * Per instance it keeps what cannot be read back from EC2: when the scheduler last saw it running
 * (idle reaper), the run seconds of the current month, in all and per UTC day (usage), a start
 * still to be verified, an action still owed (capacity retry, a start deferred while stopping, a
 * stop deferred by KeepRunningUntil), the idle warning already sent and the cause of its last stop.
 *
 * The record is versioned (`version`); parseStoredState() reads every version this release knows,
 * migrating older ones, and refuses anything else rather than start from an empty state. A change
 * of shape is a new version with a migration function and a test of it.
 */

const Iso = z.string().datetime({ offset: true });

export const OwedAction = z.object({
  kind: z.enum(['start', 'stop']),
  /** The schedule boundary this action carries out; a later boundary supersedes it. */
  boundaryAt: Iso,
  /** Failed attempts so far (capacity errors, failed batches). */
  attempts: z.number().int().nonnegative(),
  /** Why it is still owed, for the run report. */
  reason: z.string().optional(),
  /** A stop held back because the VM is busy (session, sustained CPU): not re-checked before this instant. */
  deferredUntil: Iso.optional(),
});
export type OwedAction = z.infer<typeof OwedAction>;

/** Day of the month (UTC), `1`–`31`, as the key of a month's per-day usage. */
const DayOfMonth = z.string().regex(/^([1-9]|[12]\d|3[01])$/);
const Month = z.string().regex(/^\d{4}-\d{2}$/);

/** Fields every version of the instance record has. */
const InstanceRecordBase = z.object({
  /** First run that saw the instance: lower bound of its idle time when nothing else is known. */
  firstSeenAt: Iso,
  /** When the scheduler last looked at it, and the state it saw (`stopping` when it stopped it itself). */
  lastObservedAt: Iso,
  lastState: z.string(),
  /** Last run that saw it pending or running. */
  lastSeenRunning: Iso.optional(),
  /** A start issued by the scheduler at `at`, to be verified on a later run. */
  pendingStart: z.object({ at: Iso, boundaryAt: Iso }).optional(),
  owed: OwedAction.optional(),
  /**
   * Latest measured activity (an SSM session, or sustained CPU; src/domain/activity.ts). Kept
   * here because Session Manager's history and CloudWatch's samples are only fetched for a
   * recent window each run. A VM the schedule merely runs never sets it.
   */
  lastActivityAt: Iso.optional(),
  /** Idle warning sent at `at`, announcing termination at `terminateAt`. */
  idleWarning: z.object({ at: Iso, terminateAt: Iso }).optional(),
  /** When the boot deadline passed without a ready signal and the failure was reported (once). */
  bootTimedOutAt: Iso.optional(),
});

/** Version 1 (until 2026-11): a month's run seconds as one total. */
const InstanceRecordV1 = InstanceRecordBase.extend({
  usage: z.object({ month: Month, seconds: z.number().nonnegative() }).optional(),
});
const SchedulerStateV1 = z.object({ version: z.literal(1), lastRunAt: Iso.optional(), instances: z.record(z.string(), InstanceRecordV1) });
type SchedulerStateV1 = z.infer<typeof SchedulerStateV1>;

export const MonthUsage = z.object({
  month: Month,
  /** Run seconds in UTC calendar month `month`, accounted from consecutive observations. */
  seconds: z.number().nonnegative(),
  /**
   * The same seconds per UTC day (`"1"`–`"31"`, days without running left out). Absent, or
   * summing to less than `seconds`, for a month that began under version 1: what was accounted
   * before the upgrade has no day.
   */
  days: z.record(DayOfMonth, z.number().int().nonnegative()).optional(),
});
export type MonthUsage = z.infer<typeof MonthUsage>;

/** Version 2: usage per day as well, and why the scheduler last stopped the VM. */
export const InstanceRecord = InstanceRecordBase.extend({
  usage: MonthUsage.optional(),
  /** The scheduler's latest stop of this VM and its cause (`idle-stop`: nobody used it). */
  lastStop: z.object({ at: Iso, cause: StopCause }).optional(),
});
export type InstanceRecord = z.infer<typeof InstanceRecord>;

export const STATE_VERSION = 2;
export const SchedulerState = z.object({
  version: z.literal(STATE_VERSION),
  lastRunAt: Iso.optional(),
  instances: z.record(z.string(), InstanceRecord),
});
export type SchedulerState = z.infer<typeof SchedulerState>;

export const emptyState = (): SchedulerState => ({ version: STATE_VERSION, instances: {} });

/** Version 1 → 2: every field carries over; month totals stay, without a day (none was recorded). */
export function migrateV1(v1: SchedulerStateV1): SchedulerState {
  return { ...v1, version: 2 };
}

export type ParsedState = { ok: true; state: SchedulerState; migratedFrom?: number } | { ok: false; problem: string };

/**
 * The stored state object, whatever version wrote it, as the current version. Anything else (not
 * JSON, an unknown version such as one written by a newer release, a record that does not match
 * its version's schema) is refused with the reason: the caller must not replace it with an empty
 * state, since that would silently forget every VM's month of usage and idle clock.
 */
export function parseStoredState(body: string): ParsedState {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return { ok: false, problem: 'the state object is not JSON' };
  }
  const version = typeof raw === 'object' && raw !== null ? (raw as { version?: unknown }).version : undefined;
  const schemaProblem = (error: z.ZodError) => {
    const first = error.issues[0];
    return `the state object (version ${String(version)}) does not match its schema (${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'})`;
  };
  if (version === 1) {
    const v1 = SchedulerStateV1.safeParse(raw);
    return v1.success ? { ok: true, state: migrateV1(v1.data), migratedFrom: 1 } : { ok: false, problem: schemaProblem(v1.error) };
  }
  if (version === STATE_VERSION) {
    const v2 = SchedulerState.safeParse(raw);
    return v2.success ? { ok: true, state: v2.data } : { ok: false, problem: schemaProblem(v2.error) };
  }
  return { ok: false, problem: `the state object has version ${JSON.stringify(version)}, which this release does not know (written by a newer release?)` };
}

/** `YYYY-MM` of an instant, in UTC. */
export function utcMonth(at: Date): string {
  const m = at.getUTCMonth() + 1;
  return `${at.getUTCFullYear()}-${m < 10 ? '0' : ''}${m}`;
}

const DAY_MS = 86_400_000;
const hours2 = (seconds: number): number => Math.round((seconds / 3600) * 100) / 100;

/**
 * The contract `Usage` of one instance: hours run in the UTC month of `now`, as of the last run
 * that observed it, and what the scheduler knows of its idleness (warning, idle stop). With
 * `daily`, also the hours per UTC day of the month up to `now`'s day (the fleet page's chart; the
 * issue panel does not ask for them). Undefined when the scheduler has never seen the instance.
 */
export function usageFor(state: SchedulerState, id: string, now: Date, opts: { daily?: boolean } = {}): Usage | undefined {
  const rec = state.instances[id];
  if (!rec) return undefined;
  const month = utcMonth(now);
  const current = rec.usage && rec.usage.month === month ? rec.usage : undefined;
  const usage: Usage = { month, hoursRun: hours2(current?.seconds ?? 0), asOf: rec.lastObservedAt };
  if (rec.lastActivityAt) usage.lastActivityAt = rec.lastActivityAt;
  if (rec.idleWarning) usage.idleWarning = rec.idleWarning;
  if (rec.lastStop) usage.lastStop = rec.lastStop;
  if (opts.daily) {
    usage.dailyHours = Array.from({ length: now.getUTCDate() }, (_, i) => hours2(current?.days?.[String(i + 1)] ?? 0));
    const dated = Object.values(current?.days ?? {}).reduce((a, b) => a + b, 0);
    const undated = hours2((current?.seconds ?? 0) - dated);
    if (undated > 0) usage.undatedHours = undated;
  }
  return usage;
}

const RUNNING = new Set(['running']);

/**
 * Add the run time between the previous observation and this one to the month's total.
 * - running now: counted from the previous observation, or from the launch time when the
 *   instance (re)started after it (EC2's LaunchTime is the time of the latest start);
 * - running before, not now: the stop time is unknown between the two runs, so half the gap is
 *   counted (error at most half an interval), unless the scheduler itself stopped it at the
 *   previous run (`lastState: stopping`), which counts nothing.
 * A gap longer than `maxGapMs` (the scheduler was down) is capped, and only the part of the span
 * inside the current UTC month counts; a new month starts from zero.
 */
export function accountUsage(
  prev: InstanceRecord | undefined,
  observedState: string,
  launchTime: Date | undefined,
  now: Date,
  maxGapMs: number,
): MonthUsage {
  const month = utcMonth(now);
  const same = prev?.usage && prev.usage.month === month ? prev.usage : undefined;
  const carried = same?.seconds ?? 0;
  const days: Record<string, number> = { ...same?.days };
  if (!prev) return { month, seconds: carried, days };
  const nowMs = now.getTime();
  const prevMs = Math.max(Date.parse(prev.lastObservedAt), nowMs - maxGapMs);
  let from: number | undefined;
  let weight = 1;
  if (RUNNING.has(observedState)) {
    const launched = launchTime?.getTime();
    if (launched !== undefined && launched > prevMs) from = launched;
    else if (RUNNING.has(prev.lastState) || prev.lastState === 'pending') from = prevMs;
    else {
      from = prevMs; // started at an unknown moment between the runs
      weight = 0.5;
    }
  } else if (RUNNING.has(prev.lastState)) {
    from = prevMs;
    weight = 0.5;
  }
  if (from === undefined || from >= nowMs) return { month, seconds: carried, days };
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  // Split at each UTC midnight; each day's part is rounded on its own and the total is their sum,
  // so the days always add up to what this span added.
  let added = 0;
  for (let t = Math.max(from, monthStart); t < nowMs; ) {
    const dayIndex = Math.floor((t - monthStart) / DAY_MS);
    const end = Math.min(monthStart + (dayIndex + 1) * DAY_MS, nowMs);
    const seconds = Math.round(((end - t) * weight) / 1000);
    if (seconds > 0) {
      const key = String(dayIndex + 1);
      days[key] = (days[key] ?? 0) + seconds;
      added += seconds;
    }
    t = end;
  }
  return { month, seconds: carried + added, days };
}
