import { estimateCost, hourlyPrice, PRICES_AS_OF } from '../contract/prices';
import type { CostView } from '../contract/resolvers';
import type { Vm } from '../contract/vm-api';
import { scheduledHours } from './schedule';

/**
 * The month-to-date cost of one VM as every page shows it (the issue panel and the fleet page):
 * the reconciler's run hours this UTC month priced with the app's price table for the VM's region
 * (the VM API's, in `connection.region`), against running
 * it 24/7 from the start of the month (or its creation, if later) to when usage was accounted,
 * and against running it through its working hours without idle stop over the same period.
 * One function so the two pages can never disagree about the same VM.
 */
export function vmCost(vm: Pick<Vm, 'instanceType' | 'os' | 'createdAt' | 'usage'> & { connection: Pick<Vm['connection'], 'region'> } & Partial<Pick<Vm, 'schedule'>>): CostView | undefined {
  if (!vm.usage) return undefined;
  const region = vm.connection.region;
  const cost = estimateCost(vm.instanceType, vm.os, vm.usage.month, vm.usage.hoursRun, { from: new Date(vm.createdAt), to: new Date(vm.usage.asOf) }, region);
  if (!cost) return undefined;
  const view: CostView = { month: vm.usage.month, ...cost, pricesAsOf: PRICES_AS_OF, pricesRegion: region };
  if (!vm.schedule) return view;
  const [y, m] = vm.usage.month.split('-').map(Number) as [number, number];
  const from = new Date(Math.max(Date.UTC(y, m - 1, 1), new Date(vm.createdAt).getTime()));
  const working = scheduledHours(vm.schedule, from, new Date(vm.usage.asOf));
  const perHour = hourlyPrice(vm.instanceType, vm.os, region);
  if (working === undefined || perHour === undefined) return view;
  const workingHoursUsd = perHour * working;
  return { ...view, workingHours: Math.round(working * 100) / 100, workingHoursUsd, savingVsWorkingHoursUsd: workingHoursUsd - cost.costUsd };
}
