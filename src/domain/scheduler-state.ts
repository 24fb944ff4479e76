import * as z from 'zod';
import type { Usage } from '../contract/vm-api';

/**
 * What the scheduler remembers between runs: ONE record for the whole fleet (an S3 object,
 * infra-cdk/lambda/shared/scheduler-state.ts), read once and written with a conditional write per
 * run, so remembering costs no call per instance and survives Lambda restarts.
 *
 * Per instance it keeps what cannot be read back from EC2: when the scheduler last saw it running
 * (idle reaper), the run seconds of the current month (usage), a start still to be verified, an
 * action still owed (capacity retry, a start deferred while stopping, a stop deferred by
 * KeepRunningUntil) and the idle warning already sent.
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

export const InstanceRecord = z.object({
  /** First run that saw the instance: lower bound of its idle time when nothing else is known. */
  firstSeenAt: Iso,
  /** When the scheduler last looked at it, and the state it saw (`stopping` when it stopped it itself). */
  lastObservedAt: Iso,
  lastState: z.string(),
  /** Last run that saw it pending or running. */
  lastSeenRunning: Iso.optional(),
  /** Run seconds in UTC calendar month `month` (YYYY-MM), accounted from consecutive observations. */
  usage: z.object({ month: z.string().regex(/^\d{4}-\d{2}$/), seconds: z.number().nonnegative() }).optional(),
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
export type InstanceRecord = z.infer<typeof InstanceRecord>;

export const SchedulerState = z.object({
  version: z.literal(1),
  lastRunAt: Iso.optional(),
  instances: z.record(z.string(), InstanceRecord),
});
export type SchedulerState = z.infer<typeof SchedulerState>;

export const emptyState = (): SchedulerState => ({ version: 1, instances: {} });

/** `YYYY-MM` of an instant, in UTC. */
export function utcMonth(at: Date): string {
  const m = at.getUTCMonth() + 1;
  return `${at.getUTCFullYear()}-${m < 10 ? '0' : ''}${m}`;
}

/**
 * The contract `Usage` of one instance: hours run in the UTC month of `now`, as of the last run
 * that observed it. Undefined when the scheduler has never seen the instance.
 */
export function usageFor(state: SchedulerState, id: string, now: Date): Usage | undefined {
  const rec = state.instances[id];
  if (!rec) return undefined;
  const month = utcMonth(now);
  const seconds = rec.usage && rec.usage.month === month ? rec.usage.seconds : 0;
  return { month, hoursRun: Math.round((seconds / 3600) * 100) / 100, asOf: rec.lastObservedAt, ...(rec.lastActivityAt ? { lastActivityAt: rec.lastActivityAt } : {}) };
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
): { month: string; seconds: number } {
  const month = utcMonth(now);
  const carried = prev?.usage && prev.usage.month === month ? prev.usage.seconds : 0;
  if (!prev) return { month, seconds: carried };
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
  if (from === undefined || from >= nowMs) return { month, seconds: carried };
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const span = (nowMs - Math.max(from, monthStart)) * weight;
  return { month, seconds: carried + Math.max(0, Math.round(span / 1000)) };
}
