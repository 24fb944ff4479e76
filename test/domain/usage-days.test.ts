import { accountUsage, parseStoredState, usageFor, type InstanceRecord, type SchedulerState } from '../../src/domain/scheduler-state';

/** Run time per UTC day (issue 15): the reconciler's accounting and the versioned state it lives in. */

const HOUR = 3_600_000;
const LOOKBACK = 24 * HOUR;
const rec = (over: Partial<InstanceRecord>): InstanceRecord => ({ firstSeenAt: '2026-11-01T00:00:00.000Z', lastObservedAt: '2026-11-25T22:00:00.000Z', lastState: 'running', ...over });

describe('accountUsage per UTC day', () => {
  it('splits a span that crosses midnight UTC between the two days, and the total is their sum', () => {
    const u = accountUsage(rec({ usage: { month: '2026-11', seconds: 7200, days: { '25': 7200 } } }), 'running', undefined, new Date('2026-11-26T01:30:00Z'), LOOKBACK);
    // 22:00 → 24:00 on the 25th (2 h), 00:00 → 01:30 on the 26th (1.5 h).
    expect(u).toEqual({ month: '2026-11', seconds: 7200 + 12_600, days: { '25': 7200 + 7200, '26': 5400 } });
  });

  it('splits over several days when runs were missed (up to the lookback) and counts nothing of the previous month', () => {
    const u = accountUsage(rec({ lastObservedAt: '2026-11-30T20:00:00.000Z', usage: { month: '2026-11', seconds: 99_000, days: { '30': 99_000 } } }), 'running', undefined, new Date('2026-12-01T06:00:00Z'), LOOKBACK);
    expect(u).toEqual({ month: '2026-12', seconds: 6 * 3600, days: { '1': 6 * 3600 } });
    const long = accountUsage(rec({ lastObservedAt: '2026-12-02T12:00:00.000Z' }), 'running', undefined, new Date('2026-12-04T12:00:00Z'), 3 * LOOKBACK);
    expect(long.days).toEqual({ '2': 12 * 3600, '3': 24 * 3600, '4': 12 * 3600 });
    expect(long.seconds).toBe(48 * 3600);
  });

  it('halves each day of a span whose stop time is unknown (running before, stopped now)', () => {
    const u = accountUsage(rec({ lastObservedAt: '2026-11-25T23:00:00.000Z' }), 'stopped', undefined, new Date('2026-11-26T01:00:00Z'), LOOKBACK);
    expect(u).toEqual({ month: '2026-11', seconds: 3600, days: { '25': 1800, '26': 1800 } });
  });

  it('starts the days of a month that began under version 1 empty, keeping its total', () => {
    const u = accountUsage(rec({ usage: { month: '2026-11', seconds: 36_000 } }), 'running', undefined, new Date('2026-11-25T22:05:00Z'), LOOKBACK);
    expect(u).toEqual({ month: '2026-11', seconds: 36_300, days: { '25': 300 } });
  });
});

describe('usageFor', () => {
  const state: SchedulerState = {
    version: 2,
    instances: {
      'i-1': rec({ lastObservedAt: '2026-11-04T10:00:00.000Z', usage: { month: '2026-11', seconds: 50_400 + 1800, days: { '2': 36_000, '4': 14_400 } }, lastStop: { at: '2026-11-04T10:00:00.000Z', cause: 'idle-stop' } }),
    },
  };
  it('gives hours per day up to the day asked about only when asked (the fleet list), the panel gets the total', () => {
    const now = new Date('2026-11-05T08:00:00Z');
    expect(usageFor(state, 'i-1', now)).toEqual({ month: '2026-11', hoursRun: 14.5, asOf: '2026-11-04T10:00:00.000Z', lastStop: { at: '2026-11-04T10:00:00.000Z', cause: 'idle-stop' } });
    expect(usageFor(state, 'i-1', now, { daily: true })).toMatchObject({ dailyHours: [0, 10, 0, 4, 0], undatedHours: 0.5 });
    const december = usageFor(state, 'i-1', new Date('2026-12-02T00:00:00Z'), { daily: true });
    expect(december).toMatchObject({ month: '2026-12', hoursRun: 0, dailyHours: [0, 0] });
    expect(december?.undatedHours).toBeUndefined();
  });
});

describe('the stored state object', () => {
  const v1 = {
    version: 1,
    lastRunAt: '2026-11-25T13:00:00.000Z',
    instances: {
      'i-1': { firstSeenAt: '2026-11-01T00:00:00.000Z', lastObservedAt: '2026-11-25T13:00:00.000Z', lastState: 'running', usage: { month: '2026-11', seconds: 36_000 }, idleWarning: { at: '2026-11-24T00:00:00.000Z', terminateAt: '2026-11-27T00:00:00.000Z' } },
    },
  };
  it('migrates version 1 to 2 keeping every field and the month totals', () => {
    expect(parseStoredState(JSON.stringify(v1))).toEqual({ ok: true, migratedFrom: 1, state: { ...v1, version: 2 } });
  });
  it('reads version 2 as it is', () => {
    const v2 = { ...v1, version: 2, instances: { 'i-1': { ...v1.instances['i-1'], usage: { month: '2026-11', seconds: 36_000, days: { '25': 36_000 } } } } };
    expect(parseStoredState(JSON.stringify(v2))).toEqual({ ok: true, state: v2 });
  });
  it('refuses, with the reason, what it cannot read instead of starting empty', () => {
    expect(parseStoredState('{"version":1,')).toEqual({ ok: false, problem: 'the state object is not JSON' });
    expect(parseStoredState(JSON.stringify({ version: 3, instances: {} }))).toEqual({ ok: false, problem: 'the state object has version 3, which this release does not know (written by a newer release?)' });
    expect(parseStoredState(JSON.stringify({ instances: {} }))).toMatchObject({ ok: false, problem: expect.stringMatching(/version undefined/) });
    const bad = parseStoredState(JSON.stringify({ ...v1, version: 2, instances: { 'i-1': { ...v1.instances['i-1'], usage: { month: '2026-11', seconds: 1, days: { '32': 1 } } } } }));
    expect(bad).toMatchObject({ ok: false, problem: expect.stringMatching(/^the state object \(version 2\) does not match its schema \(instances\.i-1\.usage\.days\.32/) });
  });
});
