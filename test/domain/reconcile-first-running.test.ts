import type { Ec2State } from '../../src/domain/ec2-state';
import { plan, type ObservedVm, type PlanOptions } from '../../src/domain/reconcile';
import { emptyState, type SchedulerState } from '../../src/domain/scheduler-state';

/**
 * A VM the API launched is announced (vm.running) the first time the scheduler sees it running,
 * so the issue gets its connection details; never again for the same run of it, never for an
 * old instance the scheduler meets for the first time, and not twice when a scheduler start is
 * being verified in the same run.
 */

const OPTIONS: PlanOptions = { intervalMinutes: 5, idleDays: 30, idleWarningDays: 3 };
const NOW = new Date('2026-11-26T12:00:00Z');
// Working hours that contain NOW and have no boundary near it: no start or stop interferes.
const TAGS = { AutoStart: '08:00', AutoStop: '20:00', Timezone: 'UTC', AutoDays: 'MON-SUN' };

function vm(state: Ec2State, createdAt: string, id = 'i-0123456789abcdef0'): ObservedVm {
  return { id, state, tags: new Map(Object.entries({ ...TAGS, CreatedAt: createdAt })) };
}
const runningNotices = (p: ReturnType<typeof plan>) => p.notices.filter((n) => n.type === 'vm.running');

describe('first running after provisioning', () => {
  it('announces a new VM seen running on its first observation', () => {
    const p = plan([vm('running', '2026-11-26T11:57:00Z')], emptyState(), NOW, OPTIONS);
    expect(runningNotices(p)).toEqual([expect.objectContaining({ id: 'i-0123456789abcdef0', type: 'vm.running', cause: 'ec2' })]);
  });

  it('announces it once when it was pending on the previous run, and not on the run after', () => {
    const first = plan([vm('pending', '2026-11-26T11:57:00Z')], emptyState(), new Date(NOW.getTime() - 5 * 60_000), OPTIONS);
    expect(runningNotices(first)).toEqual([]);
    const second = plan([vm('running', '2026-11-26T11:57:00Z')], first.nextState, NOW, OPTIONS);
    expect(runningNotices(second)).toHaveLength(1);
    const third = plan([vm('running', '2026-11-26T11:57:00Z')], second.nextState, new Date(NOW.getTime() + 5 * 60_000), OPTIONS);
    expect(runningNotices(third)).toEqual([]);
  });

  it('stays quiet for an instance created before the lookback (a first run over an existing fleet)', () => {
    expect(runningNotices(plan([vm('running', '2026-11-20T09:00:00Z')], emptyState(), NOW, OPTIONS))).toEqual([]);
  });

  it('stays quiet without a CreatedAt tag', () => {
    const noCreated: ObservedVm = { id: 'i-0123456789abcdef1', state: 'running', tags: new Map(Object.entries(TAGS)) };
    expect(runningNotices(plan([noCreated], emptyState(), NOW, OPTIONS))).toEqual([]);
  });

  it('reports a verified scheduler start once, not twice', () => {
    const state: SchedulerState = {
      version: 2,
      lastRunAt: new Date(NOW.getTime() - 5 * 60_000).toISOString(),
      instances: {
        'i-0123456789abcdef0': {
          firstSeenAt: '2026-11-26T11:50:00.000Z',
          lastObservedAt: '2026-11-26T11:55:00.000Z',
          lastState: 'pending',
          pendingStart: { at: '2026-11-26T11:55:00.000Z', boundaryAt: '2026-11-26T11:55:00.000Z' },
        },
      } as SchedulerState['instances'],
    };
    const p = plan([vm('running', '2026-11-26T11:40:00Z')], state, NOW, OPTIONS);
    expect(runningNotices(p)).toEqual([expect.objectContaining({ cause: 'schedule' })]);
  });
});
