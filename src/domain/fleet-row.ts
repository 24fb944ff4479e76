import type { FleetRow } from '../contract/resolvers';
import type { Schedule } from '../contract/schedule';
import type { Vm } from '../contract/vm-api';
import { vmCost } from './vm-cost';

/** Working hours as written on the VM: `08:00–18:00 MON-FRI`, `from 08:00 MON-FRI`, `until 18:00 …`, or `off`. */
export function hoursText(s: Schedule): string {
  if (!s.enabled) return 'off';
  const range = s.start && s.stop ? `${s.start}–${s.stop}` : s.start ? `from ${s.start}` : s.stop ? `until ${s.stop}` : 'no times';
  return `${range} ${s.days}`;
}

/** A VM as one row of the fleet page; its cost is vmCost()'s, the same as the issue panel's. */
export function fleetRow(vm: Vm): FleetRow {
  const cost = vmCost(vm);
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
    ...(cost ? { costUsd: cost.costUsd, alwaysOnUsd: cost.alwaysOnUsd, savingUsd: cost.savingUsd } : {}),
  };
}
