import type { Schedule } from '../../src/contract/schedule';
import { boundariesBetween, localToInstant, nextBoundaries, normalizeTimeZone, windowOpenAt } from '../../src/domain/schedule';

const sched = (over: Partial<Schedule>): Schedule => ({ timezone: 'UTC', days: 'MON-FRI', enabled: true, ...over });
const list = (s: Schedule, from: string, to: string) => boundariesBetween(s, new Date(from), new Date(to)).map((b) => `${b.kind} ${b.at.toISOString()}`);

describe('schedule boundaries in real time zones', () => {
  it.each<[string, Partial<Schedule>, string, string, string[]]>([
    ['a New York working day (EST, -05:00)', { timezone: 'America/New_York', start: '08:00', stop: '18:00' }, '2026-11-25T00:00:00Z', '2026-11-26T00:00:00Z', ['start 2026-11-25T13:00:00.000Z', 'stop 2026-11-25T23:00:00.000Z']],
    ['a New York summer day (EDT, -04:00)', { timezone: 'America/New_York', start: '08:00', stop: '18:00' }, '2026-07-15T00:00:00Z', '2026-07-16T00:00:00Z', ['start 2026-07-15T12:00:00.000Z', 'stop 2026-07-15T22:00:00.000Z']],
    ['New York spring forward: 02:30 does not exist, happens at 03:00 EDT', { timezone: 'America/New_York', start: '02:30', days: 'SUN' }, '2026-03-07T00:00:00Z', '2026-03-09T00:00:00Z', ['start 2026-03-08T07:00:00.000Z']],
    ['New York fall back: 01:30 happens twice, acted on once (the first, EDT)', { timezone: 'America/New_York', stop: '01:30', days: 'SUN' }, '2026-10-31T00:00:00Z', '2026-11-02T00:00:00Z', ['stop 2026-11-01T05:30:00.000Z']],
    ['London spring forward: 01:30 does not exist, happens at 02:00 BST', { timezone: 'Europe/London', start: '01:30', days: 'SUN' }, '2026-03-28T00:00:00Z', '2026-03-30T00:00:00Z', ['start 2026-03-29T01:00:00.000Z']],
    ['London fall back: 01:30 happens once, at its BST occurrence', { timezone: 'Europe/London', stop: '01:30', days: 'SUN' }, '2026-10-24T00:00:00Z', '2026-10-26T00:00:00Z', ['stop 2026-10-25T00:30:00.000Z']],
    ['Sydney DST ends (April): 02:30 happens once, at its AEDT occurrence', { timezone: 'Australia/Sydney', start: '02:30', days: 'SUN' }, '2026-04-04T00:00:00Z', '2026-04-06T00:00:00Z', ['start 2026-04-04T15:30:00.000Z']],
    ['Sydney DST starts (October): 02:30 does not exist, happens at 03:00 AEDT', { timezone: 'Australia/Sydney', start: '02:30', days: 'SUN' }, '2026-10-03T00:00:00Z', '2026-10-05T00:00:00Z', ['start 2026-10-03T16:00:00.000Z']],
    ['Kolkata, a half-hour zone (+05:30)', { timezone: 'Asia/Kolkata', start: '09:00', stop: '17:30' }, '2026-11-23T00:00:00Z', '2026-11-24T00:00:00Z', ['start 2026-11-23T03:30:00.000Z', 'stop 2026-11-23T12:00:00.000Z']],
    ['Apia (+13): Monday 08:00 is still Sunday in UTC', { timezone: 'Pacific/Apia', start: '08:00', stop: '18:00' }, '2026-11-22T00:00:00Z', '2026-11-23T00:00:00Z', ['start 2026-11-22T19:00:00.000Z']],
    ['Tongatapu (+13): the Friday stop happens on Friday morning UTC, nothing on Saturday', { timezone: 'Pacific/Tongatapu', start: '08:00', stop: '18:00' }, '2026-11-27T00:00:00Z', '2026-11-29T00:00:00Z', ['stop 2026-11-27T05:00:00.000Z']],
    ['overnight window: Friday 22:00 stops Saturday 06:00; no stop on Monday morning', { timezone: 'America/New_York', start: '22:00', stop: '06:00' }, '2026-11-27T12:00:00Z', '2026-12-01T00:00:00Z', ['start 2026-11-28T03:00:00.000Z', 'stop 2026-11-28T11:00:00.000Z']],
    ['overnight window: Monday 06:00 has no stop because Sunday is not a start day', { timezone: 'UTC', start: '22:00', stop: '06:00' }, '2026-11-30T00:00:00Z', '2026-11-30T12:00:00Z', []],
    ['a day range wrapping past Sunday (SAT-MON)', { start: '10:00', days: 'SAT-MON' }, '2026-11-27T00:00:00Z', '2026-12-02T00:00:00Z', ['start 2026-11-28T10:00:00.000Z', 'start 2026-11-29T10:00:00.000Z', 'start 2026-11-30T10:00:00.000Z']],
    ['a stop-only schedule stops on each listed day', { timezone: 'Europe/London', stop: '19:00', days: 'MON,WED' }, '2026-11-23T00:00:00Z', '2026-11-27T00:00:00Z', ['stop 2026-11-23T19:00:00.000Z', 'stop 2026-11-25T19:00:00.000Z']],
    ['a weekend has no boundaries for MON-FRI', { timezone: 'Europe/London', start: '08:00', stop: '18:00' }, '2026-11-28T00:00:00Z', '2026-11-30T00:00:00Z', []],
    ['an opted-out schedule has no boundaries', { start: '08:00', stop: '18:00', enabled: false }, '2026-11-23T00:00:00Z', '2026-11-24T00:00:00Z', []],
    ['a legacy zone link (US/Eastern) behaves as America/New_York', { timezone: 'US/Eastern', start: '08:00' }, '2026-11-25T00:00:00Z', '2026-11-26T00:00:00Z', ['start 2026-11-25T13:00:00.000Z']],
  ])('%s', (_name, over, from, to, expected) => {
    expect(list(sched(over), from, to)).toEqual(expected);
  });

  it('counts a boundary exactly at `to` but not one exactly at `from`, so consecutive runs see it once', () => {
    const s = sched({ start: '08:00' });
    expect(list(s, '2026-11-25T07:55:00Z', '2026-11-25T08:00:00Z')).toEqual(['start 2026-11-25T08:00:00.000Z']);
    expect(list(s, '2026-11-25T08:00:00Z', '2026-11-25T08:05:00Z')).toEqual([]);
  });

  it('returns nothing for an empty or reversed interval', () => {
    const s = sched({ start: '08:00' });
    expect(list(s, '2026-11-25T09:00:00Z', '2026-11-25T07:00:00Z')).toEqual([]);
  });
});

describe('next boundaries', () => {
  it.each<[string, Partial<Schedule>, string, { nextStart?: string; nextStop?: string }]>([
    ['mid-window on a Wednesday in New York', { timezone: 'America/New_York', start: '08:00', stop: '18:00' }, '2026-11-25T15:00:00Z', { nextStart: '2026-11-26T13:00:00.000Z', nextStop: '2026-11-25T23:00:00.000Z' }],
    ['Friday evening skips the weekend', { timezone: 'Europe/London', start: '08:00', stop: '18:00' }, '2026-11-27T19:00:00Z', { nextStart: '2026-11-30T08:00:00.000Z', nextStop: '2026-11-30T18:00:00.000Z' }],
    ['Friday afternoon in Apia (+13) stops that evening and starts Monday (Sunday UTC)', { timezone: 'Pacific/Apia', start: '08:00', stop: '18:00' }, '2026-11-27T00:00:00Z', { nextStart: '2026-11-29T19:00:00.000Z', nextStop: '2026-11-27T05:00:00.000Z' }],
    ['start-only has no next stop', { start: '07:00' }, '2026-11-25T12:00:00Z', { nextStart: '2026-11-26T07:00:00.000Z' }],
    ['the spring-forward start is announced at 03:00 local', { timezone: 'America/New_York', start: '02:30', days: 'SUN' }, '2026-03-05T00:00:00Z', { nextStart: '2026-03-08T07:00:00.000Z' }],
  ])('%s', (_name, over, now, expected) => {
    const r = nextBoundaries(sched(over), new Date(now));
    expect({ nextStart: r.nextStart?.toISOString(), nextStop: r.nextStop?.toISOString() }).toEqual(expected);
  });

  it('says nothing for an opted-out schedule', () => {
    expect(nextBoundaries(sched({ start: '08:00', enabled: false }), new Date('2026-11-25T00:00:00Z'))).toEqual({});
  });
});

describe('window state for display', () => {
  it('is open between start and stop, closed after the stop, and unknown without boundaries', () => {
    const s = sched({ timezone: 'Asia/Kolkata', start: '09:00', stop: '17:30' });
    expect(windowOpenAt(s, new Date('2026-11-25T05:00:00Z'))).toBe(true);
    expect(windowOpenAt(s, new Date('2026-11-25T13:00:00Z'))).toBe(false);
    expect(windowOpenAt(sched({ enabled: false, start: '09:00' }), new Date('2026-11-25T05:00:00Z'))).toBeUndefined();
  });
});

describe('local time to instant', () => {
  it('maps every wall time of a normal day one to one', () => {
    const day = Math.floor(Date.UTC(2026, 10, 25) / 86_400_000);
    for (let m = 0; m < 1440; m += 30) expect(localToInstant('Asia/Kolkata', day, m)).toBe(Date.UTC(2026, 10, 25, 0, m) - 330 * 60_000);
  });
});

describe('time zone names', () => {
  it('turns legacy links into IANA names and keeps current Area/Location names as written', () => {
    expect(normalizeTimeZone('US/Eastern')).toBe('America/New_York');
    expect(normalizeTimeZone('US/Pacific')).toBe('America/Los_Angeles');
    expect(normalizeTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(normalizeTimeZone('utc')).toBe('UTC');
  });

  it('throws on an unknown zone', () => {
    expect(() => normalizeTimeZone('Mars/Olympus')).toThrow();
  });
});
