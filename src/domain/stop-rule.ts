import type { Vm } from '../contract/vm-api';
import { nextBoundaries } from './schedule';

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
 * stop (with no start in between, which would begin a new day) moves that stop to the hold's end,
 * because the held-back stop is owed and carried out then. Undefined when the schedule is off or
 * has no stop.
 */
export function nextStop(vm: Pick<Vm, 'state' | 'schedule' | 'keepRunningUntil'>, now: Date): Date | undefined {
  if (!vm.schedule.enabled) return undefined;
  const { nextStart, nextStop: stop } = nextBoundaries(vm.schedule, now);
  if (!stop) return undefined;
  const keep = vm.keepRunningUntil ? new Date(vm.keepRunningUntil) : undefined;
  const running = vm.state === 'running' || vm.state === 'pending';
  if (!running || !stopHeld(keep, now.getTime()) || keep <= stop || (nextStart && nextStart <= keep)) return stop;
  return keep;
}
