import type { Ec2State } from '../../src/domain/ec2-state';
import { plan, type ObservedVm, type PlanOptions } from '../../src/domain/reconcile';
import type { InstanceRecord, SchedulerState } from '../../src/domain/scheduler-state';

/**
 * Which lifecycle notices one run may publish (issue 12, items 8 and 9): never a notice whose
 * state the same run supersedes, and a termination from any cause is announced once.
 */

const ID = 'i-0000000000000000b';
const OPTS: PlanOptions = { intervalMinutes: 5, idleDays: 30, idleWarningDays: 3 };
const NY_OFFICE = { AutoStart: '08:00', AutoStop: '18:00', Timezone: 'America/New_York', AutoDays: 'MON-FRI', CreatedAt: '2026-11-01T00:00:00Z' };
const vm = (state: Ec2State, over: Partial<ObservedVm> = {}): ObservedVm => ({ id: ID, state, tags: new Map(Object.entries(NY_OFFICE)), ...over });
const stateAt = (lastRunAt: string, rec: Partial<InstanceRecord>): SchedulerState => ({
  version: 2,
  lastRunAt,
  instances: { [ID]: { firstSeenAt: '2026-11-01T00:00:00Z', lastObservedAt: lastRunAt, lastState: 'stopped', ...rec } },
});

describe('notices superseded within one run (item 8)', () => {
  it('a run that confirms a pending start and passes the stop boundary announces the stop only', () => {
    // The 08:00 start was issued at 13:03Z; runs were missed until 23:05Z (after the 18:00 EST stop).
    const s = stateAt('2026-11-25T13:03:00Z', { lastState: 'stopped', pendingStart: { at: '2026-11-25T13:03:00.000Z', boundaryAt: '2026-11-25T13:00:00.000Z' } });
    const p = plan([vm('running', { launchTime: new Date('2026-11-25T13:03:30Z') })], s, new Date('2026-11-25T23:05:00Z'), OPTS);
    expect(p.stops.map((d) => d.id)).toEqual([ID]);
    expect(p.notices.filter((n) => n.type === 'vm.running')).toEqual([]);
  });

  it('a VM first seen running after provisioning and stopped in the same run gets no running notice', () => {
    const s = stateAt('2026-11-25T22:58:00Z', { lastState: 'pending' });
    const p = plan([vm('running', { tags: new Map(Object.entries({ ...NY_OFFICE, CreatedAt: '2026-11-25T22:57:00Z' })) })], s, new Date('2026-11-25T23:03:00Z'), OPTS);
    expect(p.stops.map((d) => d.id)).toEqual([ID]);
    expect(p.notices).toEqual([]);
  });

  it('still announces a confirmed start when no stop follows in the same run', () => {
    const s = stateAt('2026-11-25T13:03:00Z', { pendingStart: { at: '2026-11-25T13:03:00.000Z', boundaryAt: '2026-11-25T13:00:00.000Z' } });
    const p = plan([vm('running')], s, new Date('2026-11-25T13:08:00Z'), OPTS);
    expect(p.notices.map((n) => n.type)).toEqual(['vm.running']);
  });
});

describe('terminations from any cause (item 9)', () => {
  it.each<Ec2State>(['shutting-down', 'terminated'])('announces a VM seen %s that the last run saw alive', (state) => {
    const p = plan([vm(state)], stateAt('2026-11-25T15:00:00Z', { lastState: 'running' }), new Date('2026-11-25T15:05:00Z'), OPTS);
    expect(p.notices).toEqual([{ id: ID, type: 'vm.terminated', cause: 'ec2', reason: `terminated outside the scheduler (EC2 state ${state})` }]);
    expect(p.starts).toEqual([]);
    expect(p.stops).toEqual([]);
    expect(p.terminations).toEqual([]);
    expect(p.nextState.instances[ID]?.lastState).toBe(state);
  });

  it('announces it once: the next run that sees it terminated stays quiet', () => {
    const p = plan([vm('terminated')], stateAt('2026-11-25T15:00:00Z', { lastState: 'shutting-down' }), new Date('2026-11-25T15:05:00Z'), OPTS);
    expect(p.notices).toEqual([]);
  });

  it('stays quiet about terminated instances it never saw alive (a first run over an old fleet)', () => {
    const p = plan([vm('terminated')], { version: 2, lastRunAt: '2026-11-25T15:00:00Z', instances: {} }, new Date('2026-11-25T15:05:00Z'), OPTS);
    expect(p.notices).toEqual([]);
  });

  it("the idle reaper's own termination is not announced a second time when EC2 shows it shutting down", () => {
    const s = stateAt('2026-11-25T15:00:00Z', { lastSeenRunning: '2026-10-20T00:00:00Z', idleWarning: { at: '2026-11-20T00:00:00Z', terminateAt: '2026-11-23T00:00:00Z' } });
    const first = plan([vm('stopped', { tags: new Map(Object.entries({ ...NY_OFFICE, AutoSchedule: 'off', CreatedAt: '2026-10-01T00:00:00Z' })), launchTime: new Date('2026-10-19T00:00:00Z') })], s, new Date('2026-11-25T15:05:00Z'), OPTS);
    expect(first.terminations.map((d) => d.id)).toEqual([ID]);
    const second = plan([vm('shutting-down')], first.nextState, new Date('2026-11-25T15:10:00Z'), OPTS);
    expect(second.notices).toEqual([]);
  });
});
