import type { Ec2State } from '../../src/domain/ec2-state';
import { applyOutcomes, plan, type ObservedVm, type PlanOptions } from '../../src/domain/reconcile';
import { emptyState, usageFor, type InstanceRecord, type SchedulerState } from '../../src/domain/scheduler-state';

const ID = 'i-0000000000000000a';
const OPTS: PlanOptions = { intervalMinutes: 5, idleDays: 30, idleWarningDays: 3 };
const NY_OFFICE = { AutoStart: '08:00', AutoStop: '18:00', Timezone: 'America/New_York', AutoDays: 'MON-FRI', CreatedAt: '2026-11-01T00:00:00Z' };

const vm = (state: Ec2State, tags: Record<string, string> = NY_OFFICE, over: Partial<ObservedVm> = {}): ObservedVm => ({ id: ID, state, tags: new Map(Object.entries(tags)), ...over });
const stateAt = (lastRunAt: string, rec?: Partial<InstanceRecord>): SchedulerState => ({
  version: 2,
  lastRunAt,
  instances: rec ? { [ID]: { firstSeenAt: '2026-11-01T00:00:00Z', lastObservedAt: lastRunAt, lastState: 'stopped', ...rec } } : {},
});
const actionOf = (p: ReturnType<typeof plan>): string =>
  p.starts.length ? 'start' : p.stops.length ? 'stop' : p.terminations.length ? 'terminate' : 'none';

describe('reconcile decisions on schedule boundaries', () => {
  it.each<[string, Record<string, string>, Ec2State, string, string, string]>([
    // name, tags, VM state, previous run, now, expected action
    ['starts a stopped VM after its start time in its own zone', NY_OFFICE, 'stopped', '2026-11-25T12:58:00Z', '2026-11-25T13:03:00Z', 'start'],
    ['stops a running VM after its stop time', NY_OFFICE, 'running', '2026-11-25T22:58:00Z', '2026-11-25T23:03:00Z', 'stop'],
    ['catches up a missed 18:00 stop on an 18:20 run', NY_OFFICE, 'running', '2026-11-25T22:55:00Z', '2026-11-25T23:20:00Z', 'stop'],
    ['leaves alone a VM started by hand after the stop (no boundary since the last run)', NY_OFFICE, 'running', '2026-11-26T00:00:00Z', '2026-11-26T00:05:00Z', 'none'],
    ['leaves alone a VM stopped by hand mid-window', NY_OFFICE, 'stopped', '2026-11-25T17:00:00Z', '2026-11-25T17:05:00Z', 'none'],
    ['does not start on a Saturday for MON-FRI', NY_OFFICE, 'stopped', '2026-11-28T12:58:00Z', '2026-11-28T13:03:00Z', 'none'],
    ['acts on the latest boundary after missed runs: start then stop means stop', NY_OFFICE, 'running', '2026-11-25T12:00:00Z', '2026-11-25T23:30:00Z', 'stop'],
    ['does not start when the missed start was followed by the stop', NY_OFFICE, 'stopped', '2026-11-25T12:00:00Z', '2026-11-25T23:30:00Z', 'none'],
    ['ignores boundaries older than the 24 h lookback after a long outage', NY_OFFICE, 'stopped', '2026-11-20T00:00:00Z', '2026-11-25T12:00:00Z', 'none'],
    ['starts at 03:00 EDT for a 02:30 start on the spring-forward day', { ...NY_OFFICE, AutoStart: '02:30', AutoDays: 'SUN' }, 'stopped', '2026-03-08T06:58:00Z', '2026-03-08T07:01:00Z', 'start'],
    ['does not start before the gap ends on the spring-forward day', { ...NY_OFFICE, AutoStart: '02:30', AutoDays: 'SUN' }, 'stopped', '2026-03-08T06:50:00Z', '2026-03-08T06:55:00Z', 'none'],
    ['stops at the first 01:30 on the fall-back day', { ...NY_OFFICE, AutoStart: '00:00', AutoStop: '01:30', AutoDays: 'SUN' }, 'running', '2026-11-01T05:28:00Z', '2026-11-01T05:33:00Z', 'stop'],
    ['does not stop again at the repeated 01:30 on the fall-back day', { ...NY_OFFICE, AutoStart: '00:00', AutoStop: '01:30', AutoDays: 'SUN' }, 'running', '2026-11-01T06:28:00Z', '2026-11-01T06:33:00Z', 'none'],
    ['stops at 01:30 BST on the London fall-back day', { AutoStop: '01:30', Timezone: 'Europe/London', AutoDays: 'SUN' }, 'running', '2026-10-25T00:28:00Z', '2026-10-25T00:33:00Z', 'stop'],
    ['starts at 03:00 AEDT for 02:30 on the Sydney spring-forward day', { AutoStart: '02:30', Timezone: 'Australia/Sydney', AutoDays: 'SUN' }, 'stopped', '2026-10-03T15:58:00Z', '2026-10-03T16:03:00Z', 'start'],
    ['starts on the half hour in Kolkata', { AutoStart: '09:00', Timezone: 'Asia/Kolkata' }, 'stopped', '2026-11-25T03:28:00Z', '2026-11-25T03:33:00Z', 'start'],
    ['starts on Monday in Apia while UTC is still Sunday', { AutoStart: '08:00', Timezone: 'Pacific/Apia' }, 'stopped', '2026-11-29T18:58:00Z', '2026-11-29T19:03:00Z', 'start'],
    ['does not start on Saturday in Apia although UTC is Friday', { AutoStart: '08:00', Timezone: 'Pacific/Apia' }, 'stopped', '2026-11-27T18:58:00Z', '2026-11-27T19:03:00Z', 'none'],
    ['stops an overnight window the next morning', { AutoStart: '22:00', AutoStop: '06:00', Timezone: 'Europe/London' }, 'running', '2026-11-28T05:58:00Z', '2026-11-28T06:03:00Z', 'stop'],
    ['does nothing for AutoSchedule=off', { ...NY_OFFICE, AutoSchedule: 'off' }, 'stopped', '2026-11-25T12:58:00Z', '2026-11-25T13:03:00Z', 'none'],
    ['does nothing for a VM still pending at its start', NY_OFFICE, 'pending', '2026-11-25T12:58:00Z', '2026-11-25T13:03:00Z', 'none'],
  ])('%s', (_name, tags, state, lastRun, now, expected) => {
    expect(actionOf(plan([vm(state, tags)], stateAt(lastRun), new Date(now), OPTS))).toBe(expected);
  });

  it('on the very first run acts only on a boundary within the last interval', () => {
    expect(actionOf(plan([vm('stopped')], emptyState(), new Date('2026-11-25T13:03:00Z'), OPTS))).toBe('start');
    expect(actionOf(plan([vm('stopped')], emptyState(), new Date('2026-11-25T15:00:00Z'), OPTS))).toBe('none');
  });

  it('gives each decision a reason naming the tag, the zone and the boundary', () => {
    const p = plan([vm('running')], stateAt('2026-11-25T22:58:00Z'), new Date('2026-11-25T23:03:00Z'), OPTS);
    expect(p.stops).toEqual([{ id: ID, cause: 'schedule', reason: 'AutoStop 18:00 America/New_York (2026-11-25T23:00:00.000Z)', boundaryAt: '2026-11-25T23:00:00.000Z', attempt: 0 }]);
  });

  it('never moves lastRunAt backwards, so an overlapping run that commits late sees no boundary twice', () => {
    const p = plan([vm('running')], stateAt('2026-11-25T23:04:00Z'), new Date('2026-11-25T23:03:00Z'), OPTS);
    expect(actionOf(p)).toBe('none');
    expect(p.nextState.lastRunAt).toBe('2026-11-25T23:04:00.000Z');
  });
});

describe('KeepRunningUntil and deferred actions', () => {
  const keep = { ...NY_OFFICE, KeepRunningUntil: '2026-11-26T01:00:00Z' };

  it('holds back the stop while KeepRunningUntil is ahead, then stops once it has passed', () => {
    const first = plan([vm('running', keep)], stateAt('2026-11-25T22:58:00Z'), new Date('2026-11-25T23:03:00Z'), OPTS);
    expect(actionOf(first)).toBe('none');
    expect(first.skipped[0]?.reason).toMatch(/^stop held back by KeepRunningUntil 2026-11-26T01:00:00.000Z/);
    const stillKept = plan([vm('running', keep)], first.nextState, new Date('2026-11-26T00:58:00Z'), OPTS);
    expect(actionOf(stillKept)).toBe('none');
    const after = plan([vm('running', keep)], stillKept.nextState, new Date('2026-11-26T01:03:00Z'), OPTS);
    expect(actionOf(after)).toBe('stop');
  });

  it('drops a held-back stop when the next start boundary comes first', () => {
    const longKeep = { ...NY_OFFICE, KeepRunningUntil: '2026-11-26T14:00:00Z' };
    let p = plan([vm('running', longKeep)], stateAt('2026-11-25T22:58:00Z'), new Date('2026-11-25T23:03:00Z'), OPTS);
    p = plan([vm('running', longKeep)], { ...p.nextState, lastRunAt: '2026-11-26T12:58:00Z' }, new Date('2026-11-26T13:03:00Z'), OPTS);
    expect(p.nextState.instances[ID]?.owed).toBeUndefined();
    p = plan([vm('running', longKeep)], p.nextState, new Date('2026-11-26T14:03:00Z'), OPTS);
    expect(actionOf(p)).toBe('none');
  });

  it('carries out a committed stop that never reached EC2, but not one a person undid by starting the VM again', () => {
    const committed = stateAt('2026-11-25T23:03:00.000Z', { lastState: 'stopping' });
    const lost = plan([vm('running', NY_OFFICE, { launchTime: new Date('2026-11-25T13:01:00Z') })], committed, new Date('2026-11-25T23:08:00Z'), OPTS);
    expect(lost.stops.map((d) => [d.id, d.attempt])).toEqual([[ID, 1]]);
    const restarted = plan([vm('running', NY_OFFICE, { launchTime: new Date('2026-11-25T23:06:00Z') })], committed, new Date('2026-11-25T23:08:00Z'), OPTS);
    expect(restarted.stops).toEqual([]);
  });

  it('does not repeat a start or stop an overlapping run committed seconds ago (it may still be acting); the next regular run recovers it', () => {
    // A duplicate invocation reads the state the other run has just committed, before that run's EC2 calls land.
    const started = stateAt('2026-11-25T13:03:00.000Z', { pendingStart: { at: '2026-11-25T13:03:00.000Z', boundaryAt: '2026-11-25T13:00:00.000Z' } });
    const notYet = vm('stopped', NY_OFFICE, { launchTime: new Date('2026-11-24T13:00:00Z') });
    const dupStart = plan([notYet], started, new Date('2026-11-25T13:03:20Z'), OPTS);
    expect(actionOf(dupStart)).toBe('none');
    expect(dupStart.notices).toEqual([]);
    expect(dupStart.nextState.instances[ID]?.pendingStart).toEqual({ at: '2026-11-25T13:03:00.000Z', boundaryAt: '2026-11-25T13:00:00.000Z' });
    expect(plan([notYet], dupStart.nextState, new Date('2026-11-25T13:08:00Z'), OPTS).starts.map((d) => d.id)).toEqual([ID]);

    const stopped = stateAt('2026-11-25T23:03:00.000Z', { lastState: 'stopping' });
    const stillUp = vm('running', NY_OFFICE, { launchTime: new Date('2026-11-25T13:01:00Z') });
    const dupStop = plan([stillUp], stopped, new Date('2026-11-25T23:03:20Z'), OPTS);
    expect(actionOf(dupStop)).toBe('none');
    expect(dupStop.nextState.instances[ID]?.lastState).toBe('stopping');
    expect(plan([stillUp], dupStop.nextState, new Date('2026-11-25T23:08:00Z'), OPTS).stops.map((d) => d.id)).toEqual([ID]);
  });

  it('defers a start while the VM is still stopping and starts it on the next run', () => {
    const first = plan([vm('stopping')], stateAt('2026-11-25T12:58:00Z'), new Date('2026-11-25T13:03:00Z'), OPTS);
    expect(actionOf(first)).toBe('none');
    const next = plan([vm('stopped')], first.nextState, new Date('2026-11-25T13:08:00Z'), OPTS);
    expect(next.starts.map((d) => d.id)).toEqual([ID]);
  });
});

describe('malformed schedule tags', () => {
  it('acts on nothing and writes one ScheduleError tag per distinct reason', () => {
    const bad = { ...NY_OFFICE, AutoStart: '8am' };
    const vms = [vm('stopped', bad), vm('stopped', bad, { id: 'i-0000000000000000b' }), vm('running', { ...NY_OFFICE, Timezone: 'Nowhere' }, { id: 'i-0000000000000000c' })];
    const p = plan(vms, stateAt('2026-11-25T12:58:00Z'), new Date('2026-11-25T13:03:00Z'), OPTS);
    expect(p.starts).toEqual([]);
    expect(p.tagWrites).toEqual([
      { key: 'ScheduleError', value: 'AutoStart=8am must be a 24-hour time HH:MM such as 08:30', ids: [ID, 'i-0000000000000000b'] },
      { key: 'ScheduleError', value: 'Timezone=Nowhere is not an IANA time zone such as Europe/London', ids: ['i-0000000000000000c'] },
    ]);
    expect(p.skipped).toHaveLength(3);
  });

  it('does not rewrite an unchanged error, and removes it once the tags are fixed', () => {
    const bad = { ...NY_OFFICE, AutoStart: '8am', ScheduleError: 'AutoStart=8am must be a 24-hour time HH:MM such as 08:30' };
    expect(plan([vm('stopped', bad)], stateAt('2026-11-25T12:00:00Z'), new Date('2026-11-25T12:05:00Z'), OPTS).tagWrites).toEqual([]);
    const fixed = plan([vm('stopped', { ...NY_OFFICE, ScheduleError: 'old' })], stateAt('2026-11-25T12:58:00Z'), new Date('2026-11-25T13:03:00Z'), OPTS);
    expect(fixed.tagDeletes).toEqual([{ key: 'ScheduleError', ids: [ID] }]);
    expect(actionOf(fixed)).toBe('start');
  });
});

describe('start verification and capacity retries', () => {
  const afterStart = (now: string, observed: ObservedVm) =>
    plan([observed], stateAt('2026-11-25T13:03:00Z', { pendingStart: { at: '2026-11-25T13:03:00.000Z', boundaryAt: '2026-11-25T13:00:00.000Z' } }), new Date(now), OPTS);

  it('reports vm.running when the started VM reached running', () => {
    const p = afterStart('2026-11-25T13:08:00Z', vm('running'));
    expect(p.notices).toEqual([{ id: ID, type: 'vm.running', cause: 'schedule', reason: 'started by the schedule at 2026-11-25T13:03:00.000Z' }]);
    expect(p.nextState.instances[ID]?.pendingStart).toBeUndefined();
  });

  it('reports vm.start-failed with the EC2 state reason when the start fell back to stopped', () => {
    const p = afterStart('2026-11-25T13:08:00Z', vm('stopped', NY_OFFICE, { stateReason: 'Client.InternalError: Client error on launch' }));
    expect(p.notices).toEqual([
      { id: ID, type: 'vm.start-failed', cause: 'ec2', reason: 'start at 2026-11-25T13:03:00.000Z did not reach running (now stopped: Client.InternalError: Client error on launch)' },
    ]);
    expect(actionOf(p)).toBe('none'); // not retried: it would fail the same way
  });

  it('retries instead of reporting when the VM never launched after the committed start (run died before acting)', () => {
    const p = afterStart('2026-11-25T13:08:00Z', vm('stopped', NY_OFFICE, { launchTime: new Date('2026-11-24T13:00:00Z') }));
    expect(p.notices).toEqual([]);
    expect(p.starts).toEqual([{ id: ID, cause: 'schedule', reason: 'AutoStart 08:00 America/New_York (2026-11-25T13:00:00.000Z), retry 2', boundaryAt: '2026-11-25T13:00:00.000Z', attempt: 1 }]);
  });

  it('keeps waiting for a pending VM, and reports it once the start is overdue', () => {
    expect(afterStart('2026-11-25T13:08:00Z', vm('pending')).notices).toEqual([]);
    expect(afterStart('2026-11-25T13:30:00Z', vm('pending')).notices[0]?.type).toBe('vm.start-failed');
  });

  it('retries a start that hit InsufficientInstanceCapacity on the next run, and gives up after maxAttempts', () => {
    let state = stateAt('2026-11-25T12:58:00Z');
    let now = Date.parse('2026-11-25T13:03:00Z');
    const opts = { ...OPTS, maxAttempts: 3 };
    const attempts: number[] = [];
    for (let run = 0; run < 5; run++) {
      const p = plan([vm('stopped')], state, new Date(now), opts);
      if (p.notices.some((n) => n.type === 'vm.start-failed')) {
        expect(p.notices[0]?.reason).toMatch(/^gave up after 3 attempts/);
        expect(p.starts).toEqual([]);
        return expect(attempts).toEqual([0, 1, 2]);
      }
      expect(p.starts).toHaveLength(1);
      attempts.push(p.starts[0]!.attempt!);
      state = applyOutcomes(p.nextState, [{ decision: p.starts[0]!, action: 'start', ok: false, code: 'InsufficientInstanceCapacity' }])!;
      expect(state.instances[ID]?.owed).toMatchObject({ kind: 'start', attempts: run + 1 });
      now += 5 * 60_000;
    }
    throw new Error('never gave up');
  });

  it('forgets a start that failed for a reason other than capacity', () => {
    const p = plan([vm('stopped')], stateAt('2026-11-25T12:58:00Z'), new Date('2026-11-25T13:03:00Z'), OPTS);
    const s = applyOutcomes(p.nextState, [{ decision: p.starts[0]!, action: 'start', ok: false, code: 'UnauthorizedOperation' }])!;
    expect(s.instances[ID]?.owed).toBeUndefined();
    expect(s.instances[ID]?.pendingStart).toBeUndefined();
  });

  it('needs no second write when every action succeeded', () => {
    const p = plan([vm('stopped')], stateAt('2026-11-25T12:58:00Z'), new Date('2026-11-25T13:03:00Z'), OPTS);
    expect(applyOutcomes(p.nextState, [{ decision: p.starts[0]!, action: 'start', ok: true }])).toBeUndefined();
  });
});

describe('idle reaper', () => {
  const stopOnly = { AutoStop: '18:00', Timezone: 'UTC', CreatedAt: '2026-09-01T00:00:00Z' };
  const old = { firstSeenAt: '2026-09-01T00:00:00Z', lastSeenRunning: '2026-10-01T12:00:00Z' };

  it('warns idleWarningDays before the termination, once', () => {
    const p = plan([vm('stopped', stopOnly)], stateAt('2026-10-28T11:55:00Z', old), new Date('2026-10-28T12:00:00Z'), OPTS);
    expect(p.notices).toEqual([
      {
        id: ID,
        type: 'vm.idle-warning',
        cause: 'idle-reaper',
        terminateAt: '2026-10-31T12:00:00.000Z',
        reason: 'not running since 2026-10-01T12:00:00.000Z; terminated at 2026-10-31T12:00:00.000Z unless started (home directory and databases are kept)',
      },
    ]);
    const again = plan([vm('stopped', stopOnly)], p.nextState, new Date('2026-10-29T12:00:00Z'), OPTS);
    expect(again.notices).toEqual([]);
    expect(again.terminations).toEqual([]);
  });

  it('terminates once the announced time has passed', () => {
    const warned = stateAt('2026-10-31T11:55:00Z', { ...old, idleWarning: { at: '2026-10-28T12:00:00.000Z', terminateAt: '2026-10-31T12:00:00.000Z' } });
    const p = plan([vm('stopped', stopOnly)], warned, new Date('2026-10-31T12:00:00Z'), OPTS);
    expect(p.terminations.map((d) => [d.id, d.cause])).toEqual([[ID, 'idle-reaper']]);
  });

  it('always warns first: a VM found long idle gets the full warning period', () => {
    const p = plan([vm('stopped', stopOnly)], stateAt('2026-11-25T11:55:00Z', old), new Date('2026-11-25T12:00:00Z'), OPTS);
    expect(p.terminations).toEqual([]);
    expect(p.notices[0]?.terminateAt).toBe('2026-11-28T12:00:00.000Z');
  });

  it('cancels the warning when the VM runs again', () => {
    const warned = stateAt('2026-10-29T11:55:00Z', { ...old, idleWarning: { at: '2026-10-28T12:00:00.000Z', terminateAt: '2026-10-31T12:00:00.000Z' } });
    const ran = plan([vm('running', stopOnly)], warned, new Date('2026-10-29T12:00:00Z'), OPTS);
    expect(ran.nextState.instances[ID]?.idleWarning).toBeUndefined();
    const later = plan([vm('stopped', stopOnly)], ran.nextState, new Date('2026-10-31T12:05:00Z'), OPTS);
    expect(later.terminations).toEqual([]);
  });

  it('never terminates on a lost record: a VM first seen now starts its idle clock now', () => {
    const p = plan([vm('stopped', stopOnly)], emptyState(), new Date('2026-11-25T12:00:00Z'), OPTS);
    expect(p.notices).toEqual([]);
    expect(p.nextState.instances[ID]?.firstSeenAt).toBe('2026-11-25T12:00:00.000Z');
  });
});

describe('usage accounting', () => {
  it('adds the run time between consecutive observations and reports it as the contract Usage', () => {
    let state = stateAt('2026-11-25T13:00:00Z', { lastState: 'running', usage: { month: '2026-11', seconds: 3600 } });
    state = plan([vm('running')], state, new Date('2026-11-25T13:05:00Z'), OPTS).nextState;
    expect(usageFor(state, ID, new Date('2026-11-25T13:06:00Z'))).toEqual({ month: '2026-11', hoursRun: 1.08, asOf: '2026-11-25T13:05:00.000Z' });
  });

  it('counts from the launch time for a VM started between runs, and nothing after the scheduler stopped it', () => {
    let state = stateAt('2026-11-25T13:00:00Z', { lastState: 'stopped' });
    state = plan([vm('running', NY_OFFICE, { launchTime: new Date('2026-11-25T13:03:00Z') })], state, new Date('2026-11-25T13:05:00Z'), OPTS).nextState;
    expect(state.instances[ID]?.usage).toEqual({ month: '2026-11', seconds: 120, days: { '25': 120 } });
    const stopping = plan([vm('running')], { ...state, lastRunAt: '2026-11-25T22:58:00Z' }, new Date('2026-11-25T23:03:00Z'), OPTS);
    expect(stopping.nextState.instances[ID]?.lastState).toBe('stopping');
    const after = plan([vm('stopped')], stopping.nextState, new Date('2026-11-25T23:08:00Z'), OPTS).nextState;
    expect(after.instances[ID]?.usage?.seconds).toBe(stopping.nextState.instances[ID]?.usage?.seconds);
  });

  it('starts a new month from zero (UTC months)', () => {
    let state = stateAt('2026-11-30T23:58:00Z', { lastState: 'running', usage: { month: '2026-11', seconds: 100_000 } });
    state = plan([vm('running')], state, new Date('2026-12-01T00:03:00Z'), OPTS).nextState;
    expect(state.instances[ID]?.usage).toEqual({ month: '2026-12', seconds: 180, days: { '1': 180 } });
    expect(usageFor(state, ID, new Date('2027-01-01T00:00:00Z'))?.hoursRun).toBe(0);
  });

  it('forgets instances that are gone (terminated)', () => {
    const p = plan([], stateAt('2026-11-25T13:00:00Z', {}), new Date('2026-11-25T13:05:00Z'), OPTS);
    expect(p.nextState.instances).toEqual({});
  });
});

describe('a week of runs with people in the loop', () => {
  it('lets a VM started by hand in the evening run until the next stop boundary, then stops it', () => {
    let state = stateAt('2026-11-25T23:58:00Z', { lastState: 'stopped' });
    const actions: string[] = [];
    // Started by hand at 19:00 EST (00:00Z); runs every 5 minutes until the next evening.
    for (let t = Date.parse('2026-11-26T00:03:00Z'); t <= Date.parse('2026-11-26T23:10:00Z'); t += 5 * 60_000) {
      const p = plan([vm('running')], state, new Date(t), OPTS);
      if (p.stops.length) actions.push(`stop ${new Date(t).toISOString()}`);
      if (p.starts.length) actions.push(`start ${new Date(t).toISOString()}`);
      state = p.nextState;
    }
    expect(actions).toEqual(['stop 2026-11-26T23:03:00.000Z']);
  });

  it('catches up every boundary when a third of the runs are missed', () => {
    // New York, the week clocks fall back (Mon 26 – Fri 30 Oct 2026 are EDT: 08:00 = 12:00Z, 18:00 = 22:00Z).
    const expected = [26, 27, 28, 29, 30].flatMap((d) => [`start 2026-10-${d}T12:00`, `stop 2026-10-${d}T22:00`]);
    let state = stateAt('2026-10-26T00:00:00Z');
    let current: Ec2State = 'stopped';
    const seen: { what: string; at: number }[] = [];
    let k = 0;
    for (let t = Date.parse('2026-10-26T00:02:00Z'); t < Date.parse('2026-11-02T00:00:00Z'); t += 5 * 60_000, k++) {
      if ((k * 7) % 10 < 3) continue; // this run did not happen (3 in 10, never two in a row)
      const p = plan([vm(current)], state, new Date(t), OPTS);
      if (p.starts.length) {
        current = 'running';
        seen.push({ what: 'start', at: t });
      }
      if (p.stops.length) {
        current = 'stopped';
        seen.push({ what: 'stop', at: t });
      }
      state = p.nextState;
    }
    expect(seen.map((s) => s.what)).toEqual(expected.map((e) => e.split(' ')[0]));
    seen.forEach((s, i) => {
      const due = Date.parse(`${expected[i]!.split(' ')[1]}:00Z`);
      expect(s.at).toBeGreaterThan(due);
      expect(s.at - due).toBeLessThanOrEqual(10 * 60_000);
    });
  });
});
