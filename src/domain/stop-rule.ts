import type { Vm } from '../contract/vm-api';
import { lastBoundaryBetween, nextBoundaries } from './schedule';

/**
 * When the scheduler stops a running VM: the one rule the reconciler acts on (reconcile-steps.ts,
 * boundaryStep and idleStop) and the issue panel shows (panel-view.ts). A keep-running hold in
 * force holds back every stop, scheduled or idle; the scheduled stop it held back is owed and
 * carried out once the hold ends.
 */

/** Whether a keep-running hold (the VM's KeepRunningUntil) holds back a stop at `nowMs`. */
export function stopHeld(keepRunningUntil: Date | undefined, nowMs: number): keepRunningUntil is Date {
  return keepRunningUntil !== undefined && keepRunningUntil.getTime() > nowMs;
}

/**
 * The next time the scheduler stops `vm` on its schedule. A hold that outlasts the next scheduled
 * stop holds back every stop until it ends: when the last boundary before its end is a stop, that
 * stop is owed and carried out when the hold ends; when it is a start, the window is open again
 * (the start supersedes the owed stop) and the next stop is the first scheduled one after the hold.
 * Undefined when the schedule is off or has no stop.
 */
export function nextStop(vm: Pick<Vm, 'state' | 'schedule' | 'keepRunningUntil'>, now: Date): Date | undefined {
  if (!vm.schedule.enabled) return undefined;
  const stop = nextBoundaries(vm.schedule, now).nextStop;
  if (!stop) return undefined;
  const keep = vm.keepRunningUntil ? new Date(vm.keepRunningUntil) : undefined;
  const running = vm.state === 'running' || vm.state === 'pending';
  if (!running || !stopHeld(keep, now.getTime()) || keep <= stop) return stop;
  if (lastBoundaryBetween(vm.schedule, now, keep)?.kind === 'stop') return keep;
  return nextBoundaries(vm.schedule, keep).nextStop;
}
