import type { FleetRow, LifecycleFlag } from '../contract/resolvers';
import type { Schedule } from '../contract/schedule';
import type { Vm } from '../contract/vm-api';
import { daysText } from './days-text';
import { vmCost } from './vm-cost';

/**
 * Working hours in the words the panel and the comments use: `08:00–18:00 Mon–Fri`, `from 08:00
 * Mon–Fri`, `until 18:00 …`, or `off (on request only)` for a VM the schedule leaves alone.
 */
export function hoursText(s: Schedule): string {
  if (!s.enabled) return 'off (on request only)';
  const range = s.start && s.stop ? `${s.start}–${s.stop}` : s.start ? `from ${s.start}` : s.stop ? `until ${s.stop}` : 'no times';
  return `${range} ${daysText(s.days)}`;
}

/**
 * Lifecycle states beyond EC2's, from the VM's tags and the scheduler's record:
 * - parked: the DevVmParkedAt tag;
 * - idle-stopped: stopped, and the scheduler's latest stop was for idleness and came after the
 *   latest start (EC2's LaunchTime), so a VM started again and stopped by hand is not called so;
 * - warned: the scheduler's idle warning stands. A "Keep this VM" after the warning ends it (the
 *   scheduler drops the warning on its next run for the same reason: reconcile-steps.ts teardown).
 */
export function lifecycleFlags(vm: Pick<Vm, 'state' | 'parkedAt' | 'launchTime' | 'usage' | 'keptAt'>): { flags: LifecycleFlag[]; idleStoppedAt?: string; terminateAt?: string } {
  const flags: LifecycleFlag[] = [];
  if (vm.parkedAt) flags.push('parked');
  const stop = vm.usage?.lastStop;
  const startedSince = stop && vm.launchTime !== undefined && Date.parse(vm.launchTime) > Date.parse(stop.at);
  const idleStopped = stop?.cause === 'idle-stop' && (vm.state === 'stopped' || vm.state === 'stopping') && !startedSince;
  if (idleStopped) flags.push('idle-stopped');
  const warning = vm.usage?.idleWarning;
  const warned = warning !== undefined && !(vm.keptAt !== undefined && Date.parse(vm.keptAt) > Date.parse(warning.at));
  if (warned) flags.push('warned');
  return { flags, ...(idleStopped && stop ? { idleStoppedAt: stop.at } : {}), ...(warned ? { terminateAt: warning.terminateAt } : {}) };
}

/** A VM as one row of the fleet page; its cost is vmCost()'s, the same as the issue panel's. */
export function fleetRow(vm: Vm): FleetRow {
  const cost = vmCost(vm);
  const { flags, idleStoppedAt: stoppedAt, terminateAt } = lifecycleFlags(vm);
  return {
    id: vm.id,
    issueKey: vm.issueKey,
    client: vm.client,
    developer: vm.developer,
    os: vm.os,
    instanceType: vm.instanceType,
    state: vm.state,
    ...(vm.stateReason ? { stateReason: vm.stateReason } : {}),
    hours: hoursText(vm.schedule),
    timezone: vm.schedule.timezone,
    ...(vm.launchTime ? { lastStartedAt: vm.launchTime } : {}),
    ...(vm.keepRunningUntil ? { keepRunningUntil: vm.keepRunningUntil } : {}),
    ...(vm.scheduleError ? { scheduleError: vm.scheduleError } : {}),
    ...(vm.usage ? { hoursRun: vm.usage.hoursRun, usageAsOf: vm.usage.asOf } : {}),
    ...(vm.usage?.lastActivityAt ? { lastActivityAt: vm.usage.lastActivityAt } : {}),
    ...(cost ? { costUsd: cost.costUsd, alwaysOnUsd: cost.alwaysOnUsd, savingUsd: cost.savingUsd } : {}),
    ...(vm.usage?.dailyHours ? { dailyHours: vm.usage.dailyHours } : {}),
    ...(vm.usage?.undatedHours ? { undatedHours: vm.usage.undatedHours } : {}),
    lifecycle: flags,
    ...(vm.parkedAt ? { parkedAt: vm.parkedAt } : {}),
    ...(terminateAt ? { terminateAt } : {}),
    ...(stoppedAt ? { idleStoppedAt: stoppedAt } : {}),
    ...(vm.costCenter ? { costCenter: vm.costCenter } : {}),
    region: vm.connection.region,
  };
}
