import type { Vm } from '../../../src/contract/vm-api';
import { busyText } from '../../../src/domain/stop-deferral';

/**
 * "Stop deferred until 18:30 (busy: session active / CPU)": the reconciler's DevVmStopDeferredUntil,
 * in the VM's working-hours zone (the zone of the stop it defers). Only while the VM still runs.
 */
export function stopDeferredText(vm: Vm, now: number): string | undefined {
  const d = vm.stopDeferred;
  if (!d || vm.state !== 'running' || Date.parse(d.until) <= now - 5 * 60_000) return undefined;
  const hhmm = new Intl.DateTimeFormat('en-GB', { timeZone: vm.schedule.timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(d.until));
  return `Stop deferred until ${hhmm} (${busyText(d.busy)})`;
}
