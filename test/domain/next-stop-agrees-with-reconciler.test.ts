import type { Schedule } from '../../src/contract/schedule';
import { Tag } from '../../src/contract/tags';
import type { Vm } from '../../src/contract/vm-api';
import { plan, type ObservedVm } from '../../src/domain/reconcile';
import { scheduleToTags } from '../../src/domain/schedule-tags';
import { emptyState, type SchedulerState } from '../../src/domain/scheduler-state';
import { nextStop } from '../../src/domain/stop-rule';

/**
 * The next stop the panel shows (stop-rule.ts nextStop) is when the reconciler actually stops the
 * VM: 5-minute runs of plan() from `now` until it stops the running VM, for holds before, past and
 * well past the scheduled stop. One rule, so the two cannot drift apart (issue 10 item 4).
 */
const TICK = 5 * 60_000;
const TICK_OFFSET = 137_000;
const schedule: Schedule = { start: '08:00', stop: '18:00', timezone: 'Europe/Berlin', days: 'MON-FRI', enabled: true };
// Thursday 2026-11-26, 10:00 in Berlin (09:00 UTC).
const NOW = Date.parse('2026-11-26T09:00:00Z');

function firstStopByReconciler(keepRunningUntil: string | undefined): number | undefined {
  const tags = new Map(scheduleToTags(schedule).set.map((t) => [t.Key, t.Value] as const));
  if (keepRunningUntil) tags.set(Tag.KeepRunningUntil, keepRunningUntil);
  const vm: ObservedVm = { id: 'i-00000000000000001', state: 'running', tags };
  let state: SchedulerState = { ...emptyState(), lastRunAt: new Date(NOW).toISOString() };
  for (let t = NOW + TICK_OFFSET; t < NOW + 6 * 86_400_000; t += TICK) {
    const p = plan([vm], state, new Date(t), { intervalMinutes: 5, idleDays: 30, idleWarningDays: 3 });
    if (p.stops.some((d) => d.id === vm.id)) return t;
    state = p.nextState;
  }
  return undefined;
}

describe('the next stop the panel shows is when the reconciler stops the VM', () => {
  it.each([
    ['no hold', undefined],
    ['a hold that ends before the scheduled stop', '2026-11-26T15:00:00Z'],
    ['a hold past the scheduled stop', '2026-11-26T20:00:00Z'],
    ['a hold until the next morning, past the next start', '2026-11-27T09:30:00Z'],
    ['a hold into the weekend, past Friday’s stop', '2026-11-28T12:00:00Z'],
  ])('%s', (_name, keep) => {
    const vm: Pick<Vm, 'state' | 'schedule' | 'keepRunningUntil'> = { state: 'running', schedule, ...(keep ? { keepRunningUntil: keep } : {}) };
    const shown = nextStop(vm, new Date(NOW))?.getTime();
    const actual = firstStopByReconciler(keep);
    expect(shown).toBeDefined();
    expect(actual).toBeDefined();
    // The reconciler acts on its first run after the time, so within one tick after it.
    const late = actual! - shown!;
    expect({ shown: new Date(shown!).toISOString(), withinOneTick: late >= 0 && late <= TICK }).toEqual({ shown: new Date(shown!).toISOString(), withinOneTick: true });
  });
});
