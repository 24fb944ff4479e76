import { estimateCost, PRICES_AS_OF } from '../contract/prices';
import type { CostView } from '../contract/resolvers';
import type { Vm } from '../contract/vm-api';

/**
 * The month-to-date cost of one VM as every page shows it (the issue panel and the fleet page):
 * the reconciler's run hours this UTC month priced with the app's price table, against running
 * it 24/7 from the start of the month (or its creation, if later) to when usage was accounted.
 * One function so the two pages can never disagree about the same VM.
 */
export function vmCost(vm: Pick<Vm, 'instanceType' | 'os' | 'createdAt' | 'usage'>): CostView | undefined {
  if (!vm.usage) return undefined;
  const cost = estimateCost(vm.instanceType, vm.os, vm.usage.month, vm.usage.hoursRun, { from: new Date(vm.createdAt), to: new Date(vm.usage.asOf) });
  return cost ? { month: vm.usage.month, ...cost, pricesAsOf: PRICES_AS_OF } : undefined;
}
