import { Tag } from '../../src/contract/tags';
import { plan, type ObservedVm, type PlanOptions } from '../../src/domain/reconcile';
import type { SchedulerState } from '../../src/domain/scheduler-state';
import { busyText, formatStopDeferral, parseStopDeferral } from '../../src/domain/stop-deferral';

/**
 * Issue 13, 3b: a scheduled stop deferred because the VM is busy is visible. The reconciler writes
 * DevVmStopDeferredUntil (`<until> session cpu`) for the panel, announces the first deferral of a
 * boundary once (vm.stop-deferred, for the optional comment), and removes the tag when it stops.
 */

const OPTIONS: PlanOptions = { intervalMinutes: 5, idleDays: 30, idleWarningDays: 3 };
const ID = 'i-0123456789abcdef0';
// Wednesday; 18:00 UTC stop.
const TAGS = { AutoStart: '08:00', AutoStop: '18:00', Timezone: 'UTC', AutoDays: 'MON-FRI', CreatedAt: '2026-11-01T08:00:00Z' };
const t = (hhmm: string) => new Date(`2026-11-25T${hhmm}:00Z`);
const vm = (busyBy: ('session' | 'cpu')[], extra: Record<string, string> = {}): ObservedVm => ({
  id: ID,
  state: 'running',
  tags: new Map(Object.entries({ ...TAGS, ...extra })),
  launchTime: t('08:00'),
  activity: { busy: busyBy.length > 0, ...(busyBy.length ? { busyBy } : {}), lastActiveAt: t('17:58') },
});
const state = (lastRunAt: string): SchedulerState => ({ version: 2, lastRunAt, instances: { [ID]: { firstSeenAt: '2026-11-01T08:00:00.000Z', lastObservedAt: lastRunAt, lastState: 'running' } } });

describe('the deferred stop on the instance', () => {
  it('first deferral: writes the tag with until and why, and announces it once', () => {
    const p = plan([vm(['session'])], state('2026-11-25T17:58:00Z'), t('18:03'), OPTIONS);
    expect(p.stops).toEqual([]);
    expect(p.tagWrites).toEqual([{ key: Tag.StopDeferredUntil, value: '2026-11-25T18:30:00.000Z session', ids: [ID] }]);
    expect(p.notices.filter((n) => n.type === 'vm.stop-deferred')).toEqual([
      { id: ID, type: 'vm.stop-deferred', cause: 'schedule', reason: 'the scheduled stop waits until 2026-11-25T18:30:00.000Z: the VM is busy', deferredUntil: '2026-11-25T18:30:00.000Z', busy: ['session'] },
    ]);

    // The next run inside the deferral: the tag already says so, nothing is written or announced.
    const tagged = '2026-11-25T18:30:00.000Z session';
    const next = plan([vm(['session'], { [Tag.StopDeferredUntil]: tagged })], p.nextState, t('18:08'), OPTIONS);
    expect(next.tagWrites).toEqual([]);
    expect(next.tagDeletes).toEqual([]);
    expect(next.notices.filter((n) => n.type === 'vm.stop-deferred')).toEqual([]);

    // Still busy at 18:30 (now CPU too): deferred another step, the tag follows, no second notice.
    const step2 = plan([vm(['session', 'cpu'], { [Tag.StopDeferredUntil]: tagged })], next.nextState, t('18:33'), OPTIONS);
    expect(step2.tagWrites).toEqual([{ key: Tag.StopDeferredUntil, value: '2026-11-25T19:00:00.000Z session cpu', ids: [ID] }]);
    expect(step2.notices.filter((n) => n.type === 'vm.stop-deferred')).toEqual([]);

    // Quiet at 19:00: stopped, and the tag removed.
    const quiet = plan([vm([], { [Tag.StopDeferredUntil]: '2026-11-25T19:00:00.000Z session cpu' })], step2.nextState, t('19:03'), OPTIONS);
    expect(quiet.stops.map((s) => s.id)).toEqual([ID]);
    expect(quiet.tagDeletes).toEqual([{ key: Tag.StopDeferredUntil, ids: [ID] }]);
  });

  it('a stale tag on a VM nothing defers is removed', () => {
    const p = plan([vm([], { [Tag.StopDeferredUntil]: '2026-11-24T18:30:00.000Z cpu' })], state('2026-11-25T11:55:00Z'), t('12:00'), OPTIONS);
    expect(p.tagDeletes).toEqual([{ key: Tag.StopDeferredUntil, ids: [ID] }]);
  });

  it('the tag format round-trips and reads as the panel says it', () => {
    const d = { until: '2026-11-25T18:30:00.000Z', busy: ['cpu', 'session'] as ('session' | 'cpu')[] };
    expect(formatStopDeferral(d)).toBe('2026-11-25T18:30:00.000Z session cpu');
    expect(parseStopDeferral(formatStopDeferral(d))).toEqual({ until: '2026-11-25T18:30:00.000Z', busy: ['session', 'cpu'] });
    expect(parseStopDeferral('soon')).toBeUndefined();
    expect(busyText(['session', 'cpu'])).toBe('busy: session active / CPU');
    expect(busyText([])).toBe('busy');
  });
});
