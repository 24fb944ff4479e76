import type { BootStep } from '../contract/events';
import { Tag } from '../contract/tags';
import type { Activity } from './activity';
import { BOOT_STEP_LABELS, parseBootStatus } from './boot-status';
import type { BusyKind } from './stop-deferral';
import type { Ec2State } from './ec2-state';
import { parseInstant } from './schedule-tags';
import type { InstanceRecord, OwedAction } from './scheduler-state';
import { stopHeld } from './stop-rule';

/**
 * The reconciler's per-VM steps, each pure and answering with a discriminated union: verify a
 * start issued earlier, recover a stop that never reached EC2, the schedule boundary (with
 * parking and busy deferral), idle stop, idle teardown. `plan()` (reconcile.ts) composes them.
 */

export interface ObservedVm {
  id: string;
  state: Ec2State;
  tags: ReadonlyMap<string, string>;
  /** EC2 LaunchTime: the time of the latest start. */
  launchTime?: Date;
  /** EC2 StateReason (message, else code), e.g. why a start fell back to stopped. */
  stateReason?: string;
  /**
   * Measured activity this run (sessions, sustained CPU). Absent when the run could not measure
   * (no measurement configured, or the calls failed): then idle stop and busy deferral are off
   * and the teardown clock falls back to "last seen running", so a measurement outage can never
   * stop or terminate a VM that is in use.
   */
  activity?: Activity;
}

export type Cause = 'schedule' | 'idle-reaper' | 'idle-stop' | 'ec2' | 'boot';

export interface Decision {
  id: string;
  reason: string;
  cause: Cause;
  /** The boundary carried out (start/stop), ISO. */
  boundaryAt?: string;
  /** Earlier failed attempts of this action (0 on the first try). */
  attempt?: number;
}

export type NoticeType = 'vm.running' | 'vm.start-failed' | 'vm.idle-warning' | 'vm.terminated' | 'vm.boot-failed' | 'vm.stop-deferred';
export interface Notice {
  id: string;
  type: NoticeType;
  cause: Cause;
  reason: string;
  terminateAt?: string;
  /** vm.boot-failed: the first-boot step the VM was on. */
  bootStep?: BootStep;
  /** vm.boot-failed from the boot deadline: the minutes the ready signal was awaited. */
  bootTimedOutMinutes?: number;
  /** vm.stop-deferred: until when, and what keeps the VM busy. */
  deferredUntil?: string;
  busy?: BusyKind[];
}

/** Why a boundary or rule was deliberately not carried out; counted by kind, never by parsing reasons. */
export type SkipKind = 'schedule-error' | 'start-deferred' | 'start-parked' | 'stop-held' | 'stop-pending' | 'stop-busy' | 'stop-given-up';
export interface Skip {
  id: string;
  kind: SkipKind;
  reason: string;
  /** `stop-busy`: the stop waits until `until`; `first` for the first deferral of this boundary. */
  deferral?: { until: string; busy: BusyKind[]; first: boolean };
}

export interface StepContext {
  nowMs: number;
  nowIso: string;
  lookbackMs: number;
  pendingTimeoutMs: number;
  inFlightMs: number;
  maxAttempts: number;
  idleMs: number;
  warnMs: number;
  /** Admin default; 0 = off. A VM's IdleStopMinutes tag overrides it. */
  idleStopMs: number;
  deferStepMs: number;
  deferMaxMs: number;
  /** A VM not `ready` this long after its CreatedAt is reported as a failed boot; 0 = off. */
  bootDeadlineMs: number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
export const iso = (ms: number): string => new Date(ms).toISOString();

export function maxDefined(...values: (number | undefined)[]): number | undefined {
  let out: number | undefined;
  for (const v of values) if (v !== undefined && !Number.isNaN(v) && (out === undefined || v > out)) out = v;
  return out;
}
const instantTag = (vm: ObservedVm, key: string): number | undefined => parseInstant(vm.tags.get(key) ?? '')?.getTime();

// ---- 1. Verify a start issued by an earlier run -------------------------------------------

export type StartCheck =
  | { kind: 'none' }
  | { kind: 'waiting' }
  | { kind: 'verified'; notice: Notice }
  | { kind: 'first-running'; notice: Notice }
  | { kind: 'lost'; owed: OwedAction }
  | { kind: 'failed'; notice: Notice };

export function verifyStart(vm: ObservedVm, prev: InstanceRecord | undefined, ctx: StepContext): StartCheck {
  const pending = prev?.pendingStart;
  if (!pending) {
    // A VM the API launched (not a scheduler start) is announced when it is first seen running,
    // so its issue gets the connection details: the API answers while EC2 is still pending. Only
    // VMs created within the lookback, so a first run over an old fleet stays quiet.
    if (vm.state === 'running' && (prev === undefined || prev.lastState === 'pending')) {
      const createdMs = instantTag(vm, Tag.CreatedAt);
      if (createdMs !== undefined && ctx.nowMs - createdMs <= ctx.lookbackMs) {
        return { kind: 'first-running', notice: { id: vm.id, type: 'vm.running', cause: 'ec2', reason: 'running for the first time after provisioning' } };
      }
    }
    return { kind: 'none' };
  }
  const ageMs = ctx.nowMs - Date.parse(pending.at);
  const neverLaunched = vm.launchTime !== undefined && vm.launchTime.getTime() < Date.parse(pending.at);
  if (vm.state === 'running') return { kind: 'verified', notice: { id: vm.id, type: 'vm.running', cause: 'schedule', reason: `started by the schedule at ${pending.at}` } };
  if (vm.state === 'pending' && ageMs < ctx.pendingTimeoutMs) return { kind: 'waiting' };
  // Committed moments ago by a run that may still be calling StartInstances: look again next run.
  if (vm.state === 'stopped' && neverLaunched && ageMs < ctx.inFlightMs) return { kind: 'waiting' };
  if (vm.state === 'stopped' && neverLaunched) {
    // The call did not happen or failed and its outcome was not recorded (the run died, or lost
    // the second write). Owe it, don't report.
    return { kind: 'lost', owed: { kind: 'start', boundaryAt: pending.boundaryAt, attempts: (prev.owed?.attempts ?? 0) + 1, reason: `start not carried out${vm.stateReason ? ` (${vm.stateReason})` : ''}` } };
  }
  const why =
    vm.state === 'pending'
      ? `still pending ${Math.round(ageMs / MINUTE)} minutes after the start`
      : `start at ${pending.at} did not reach running (now ${vm.state}${vm.stateReason ? `: ${vm.stateReason}` : ''})`;
  return { kind: 'failed', notice: { id: vm.id, type: 'vm.start-failed', cause: 'ec2', reason: why } };
}

// ---- 2. Recover a stop that never reached EC2 -----------------------------------------------

export type LostStopCheck = { kind: 'none' } | { kind: 'in-flight' } | { kind: 'lost'; owed: OwedAction };

/**
 * A stop committed by an earlier run that never reached EC2 (the run died after its commit):
 * still running, and not restarted since (EC2's LaunchTime is older than that run).
 */
export function recoverLostStop(vm: ObservedVm, prev: InstanceRecord | undefined, ctx: StepContext): LostStopCheck {
  if (prev?.lastState !== 'stopping' || vm.state !== 'running' || vm.launchTime === undefined) return { kind: 'none' };
  if (vm.launchTime.getTime() >= Date.parse(prev.lastObservedAt)) return { kind: 'none' };
  // Within the in-flight time the committing run may still be calling StopInstances: keep the
  // mark for the next run instead of stopping (and announcing) a second time.
  if (ctx.nowMs - Date.parse(prev.lastObservedAt) < ctx.inFlightMs) return { kind: 'in-flight' };
  return { kind: 'lost', owed: { kind: 'stop', boundaryAt: prev.lastObservedAt, attempts: 1, reason: 'stop not carried out' } };
}

// ---- 3. The schedule boundary (or the owed action it left) ---------------------------------

export interface Target {
  kind: 'start' | 'stop';
  atMs: number;
  attempts: number;
  fromOwed: boolean;
  why?: string;
  deferredUntilMs?: number;
}

export type BoundaryStep =
  | { kind: 'none' }
  | { kind: 'start'; decision: Decision }
  | { kind: 'start-given-up'; notice: Notice }
  | { kind: 'skip'; skip: Skip; owed?: OwedAction }
  | { kind: 'stop'; decision: Decision };

/** Carry out a start or stop boundary for a VM in its observed state. `what` describes the boundary. */
export function boundaryStep(
  vm: ObservedVm,
  target: Target,
  what: string,
  facts: { keepRunningUntil?: Date; parkedAt?: string },
  ctx: StepContext,
): BoundaryStep {
  const boundaryAt = iso(target.atMs);
  const owe = (reason: string, extra: Partial<OwedAction> = {}): OwedAction => ({ kind: target.kind, boundaryAt, attempts: target.attempts, reason, ...extra });
  const skip = (kind: SkipKind, reason: string, owed?: OwedAction): BoundaryStep => ({ kind: 'skip', skip: { id: vm.id, kind, reason }, ...(owed ? { owed } : {}) });
  if (target.kind === 'start') {
    if (facts.parkedAt) return skip('start-parked', `start skipped, parked since ${facts.parkedAt} (the issue is closed): ${what}`);
    if (target.attempts >= ctx.maxAttempts) {
      return { kind: 'start-given-up', notice: { id: vm.id, type: 'vm.start-failed', cause: 'schedule', reason: `gave up after ${target.attempts} attempts${target.why ? ` (last: ${target.why})` : ''}: ${what}` } };
    }
    if (vm.state === 'stopped') return { kind: 'start', decision: { id: vm.id, reason: what, cause: 'schedule', boundaryAt, attempt: target.attempts } };
    if (vm.state === 'stopping') return skip('start-deferred', `start deferred, still stopping: ${what}`, owe('still stopping'));
    return { kind: 'none' };
  }
  if (target.attempts >= ctx.maxAttempts) return skip('stop-given-up', `stop given up after ${target.attempts} failed attempts: ${what}`);
  if (vm.state !== 'running' && vm.state !== 'pending') return { kind: 'none' };
  const keep = facts.keepRunningUntil;
  if (stopHeld(keep, ctx.nowMs)) {
    return skip('stop-held', `stop held back by ${Tag.KeepRunningUntil} ${keep.toISOString()}: ${what}`, owe(`KeepRunningUntil ${keep.toISOString()}`));
  }
  if (vm.state === 'pending') return skip('stop-pending', `stop deferred, still pending: ${what}`, owe('still pending'));
  const busy = busyDeferral(vm, target, ctx);
  if (busy.kind === 'defer') {
    const deferral = { until: iso(busy.untilMs), busy: [...(vm.activity?.busyBy ?? [])], first: busy.first };
    return { kind: 'skip', skip: { id: vm.id, kind: 'stop-busy', reason: `${busy.reason}: ${what}`, deferral }, owed: owe('busy', { deferredUntil: iso(busy.untilMs) }) };
  }
  return { kind: 'stop', decision: { id: vm.id, reason: busy.kind === 'quiet-after-deferral' ? `${what}, ${busy.reason}` : what, cause: 'schedule', boundaryAt, attempt: target.attempts } };
}

export type Deferral = { kind: 'stop-now' } | { kind: 'defer'; untilMs: number; reason: string; first: boolean } | { kind: 'quiet-after-deferral'; reason: string };

/**
 * A scheduled stop of a busy VM (open session, sustained CPU) waits in steps of `deferStepMs`
 * from the boundary, up to `deferMaxMs`: at each step a quiet VM is stopped, a busy one waits
 * another step, and at the maximum it is stopped whatever it is doing.
 */
export function busyDeferral(vm: ObservedVm, target: Target, ctx: StepContext): Deferral {
  if (!vm.activity || ctx.deferMaxMs <= 0 || ctx.deferStepMs <= 0) return { kind: 'stop-now' };
  const deferredMin = Math.round((ctx.nowMs - target.atMs) / MINUTE);
  if (target.deferredUntilMs !== undefined && ctx.nowMs < target.deferredUntilMs) {
    return { kind: 'defer', untilMs: target.deferredUntilMs, reason: `stop deferred until ${iso(target.deferredUntilMs)}, the VM was busy`, first: false };
  }
  const maxMs = target.atMs + ctx.deferMaxMs;
  if (!vm.activity.busy) return target.deferredUntilMs !== undefined ? { kind: 'quiet-after-deferral', reason: `deferred ${deferredMin} minutes while busy, now quiet` } : { kind: 'stop-now' };
  if (ctx.nowMs >= maxMs) return { kind: 'quiet-after-deferral', reason: `still busy after the maximum deferral of ${Math.round(ctx.deferMaxMs / MINUTE)} minutes` };
  // Next step boundary strictly after now, on the boundary's grid, capped at the maximum.
  const steps = Math.floor((ctx.nowMs - target.atMs) / ctx.deferStepMs) + 1;
  const untilMs = Math.min(target.atMs + steps * ctx.deferStepMs, maxMs);
  return { kind: 'defer', untilMs, reason: `stop deferred until ${iso(untilMs)}: the VM is busy (session open or sustained CPU)`, first: target.deferredUntilMs === undefined };
}

// ---- 4. Idle stop --------------------------------------------------------------------------

export type IdleStopStep = { kind: 'none' } | { kind: 'idle-stop'; decision: Decision };

/** The VM's idle-stop threshold in ms: its IdleStopMinutes tag (`off`, or minutes), else the admin default. 0 = off. */
export function idleStopMsFor(vm: ObservedVm, ctx: StepContext): number {
  const raw = vm.tags.get(Tag.IdleStopMinutes)?.trim();
  if (raw === undefined || raw === '') return ctx.idleStopMs;
  if (raw.toLowerCase() === 'off') return 0;
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n * MINUTE : ctx.idleStopMs;
}

/**
 * A running VM without activity for its idle-stop threshold is stopped. The clock starts at the
 * latest of its last measured activity and its latest start, so the schedule's morning start is
 * not undone by yesterday's inactivity. KeepRunningUntil in the future overrides it; so does a
 * run that could not measure activity.
 */
export function idleStop(vm: ObservedVm, prev: InstanceRecord | undefined, lastActivityMs: number | undefined, facts: { keepRunningUntil?: Date }, ctx: StepContext): IdleStopStep {
  if (vm.state !== 'running' || !vm.activity || vm.activity.busy) return { kind: 'none' };
  const thresholdMs = idleStopMsFor(vm, ctx);
  if (thresholdMs <= 0) return { kind: 'none' };
  if (stopHeld(facts.keepRunningUntil, ctx.nowMs)) return { kind: 'none' };
  // Started between two runs: no earlier than the previous observation that saw it not running.
  const startedBetween = prev && prev.lastState !== 'running' ? Date.parse(prev.lastObservedAt) : undefined;
  const since = maxDefined(lastActivityMs, vm.launchTime?.getTime(), startedBetween, prev ? Date.parse(prev.firstSeenAt) : ctx.nowMs) ?? ctx.nowMs;
  const idleMinutes = Math.floor((ctx.nowMs - since) / MINUTE);
  if (ctx.nowMs - since < thresholdMs) return { kind: 'none' };
  return { kind: 'idle-stop', decision: { id: vm.id, cause: 'idle-stop', reason: `idle for ${idleMinutes} minutes (no session or sustained CPU since ${iso(since)})` } };
}

// ---- 5. Idle teardown ----------------------------------------------------------------------

export type TeardownStep =
  | { kind: 'none'; idleWarning?: InstanceRecord['idleWarning'] }
  | { kind: 'warn'; notice: Notice; idleWarning: NonNullable<InstanceRecord['idleWarning']> }
  | { kind: 'terminate'; decision: Decision };

/**
 * No activity for idleDays → warned idleWarningDays ahead (once), then terminated (the EFS home
 * directory and the databases are separate and kept). The clock starts at the latest of: last
 * measured activity, "Keep this VM" (KeptAt tag), CreatedAt, first seen by the scheduler — so a
 * lost state record delays a termination, never hastens it. Runs the schedule caused are not
 * activity. Without measurement (legacy), a VM seen running is not idle.
 */
export function teardown(vm: ObservedVm, prev: InstanceRecord | undefined, lastActivityMs: number | undefined, lastSeenRunning: string | undefined, ctx: StepContext): TeardownStep {
  const measured = vm.activity !== undefined;
  let idleWarning = prev?.idleWarning;
  if (!measured && (vm.state === 'running' || vm.state === 'pending')) return { kind: 'none' };
  if (vm.state !== 'stopped' && !(measured && vm.state === 'running')) return { kind: 'none', ...(idleWarning ? { idleWarning } : {}) };
  const base =
    maxDefined(
      lastActivityMs,
      instantTag(vm, Tag.KeptAt),
      instantTag(vm, Tag.CreatedAt),
      prev ? Date.parse(prev.firstSeenAt) : ctx.nowMs,
      measured ? undefined : lastSeenRunning ? Date.parse(lastSeenRunning) : undefined,
      measured ? undefined : vm.launchTime?.getTime(),
    ) ?? ctx.nowMs;
  if (idleWarning && Date.parse(idleWarning.at) < base) idleWarning = undefined; // active (or kept) since the warning
  const idleFor = measured ? 'no session or sustained CPU' : 'not running';
  if (!idleWarning && ctx.nowMs >= base + ctx.idleMs - ctx.warnMs) {
    const terminateAt = iso(Math.max(base + ctx.idleMs, ctx.nowMs + ctx.warnMs));
    const warning = { at: ctx.nowIso, terminateAt };
    return {
      kind: 'warn',
      idleWarning: warning,
      notice: {
        id: vm.id,
        type: 'vm.idle-warning',
        cause: 'idle-reaper',
        reason: `${idleFor} since ${iso(base)}; terminated at ${terminateAt} unless ${measured ? 'used or kept' : 'started'} (home directory and databases are kept)`,
        terminateAt,
      },
    };
  }
  if (idleWarning && ctx.nowMs >= Date.parse(idleWarning.terminateAt)) {
    return { kind: 'terminate', decision: { id: vm.id, cause: 'idle-reaper', reason: `${idleFor} since ${iso(base)} (${Math.floor((ctx.nowMs - base) / DAY)} days), warned at ${idleWarning.at}` } };
  }
  return { kind: 'none', ...(idleWarning ? { idleWarning } : {}) };
}

// ---- 6. Boot deadline ----------------------------------------------------------------------

export type BootCheck = { kind: 'none' } | { kind: 'booting' } | { kind: 'boot-timed-out'; notice: Notice };

/**
 * The first boot must signal `ready` (DevVmBootStatus tag, written by the user data) within
 * `bootDeadlineMs` of the VM's CreatedAt; otherwise the VM is reported failed once, naming the
 * step it was on, so the issue never waits for a "ready" that will not come. A VM that reported
 * `failed:<step>` itself was already announced by the notifier (the tag-change event). Only VMs
 * created within the lookback count, like the first-running notice: a first run over a fleet
 * launched before the ready signal existed stays quiet.
 */
export function bootDeadline(vm: ObservedVm, prev: InstanceRecord | undefined, ctx: StepContext): BootCheck {
  if (ctx.bootDeadlineMs <= 0 || prev?.bootTimedOutAt) return { kind: 'none' };
  const status = parseBootStatus(vm.tags.get(Tag.BootStatus));
  if (status?.kind === 'ready' || status?.kind === 'failed') return { kind: 'none' };
  const createdMs = instantTag(vm, Tag.CreatedAt);
  if (createdMs === undefined || ctx.nowMs - createdMs > ctx.lookbackMs) return { kind: 'none' };
  if (ctx.nowMs - createdMs < ctx.bootDeadlineMs) return { kind: 'booting' };
  const minutes = Math.round(ctx.bootDeadlineMs / MINUTE);
  const where = status ? `still ${BOOT_STEP_LABELS[status.step]}` : 'the boot script never reported a step';
  return {
    kind: 'boot-timed-out',
    notice: {
      id: vm.id,
      type: 'vm.boot-failed',
      cause: 'boot',
      reason: `no ready signal within ${minutes} minutes of launch (${where})`,
      ...(status ? { bootStep: status.step } : {}),
      bootTimedOutMinutes: minutes,
    },
  };
}
