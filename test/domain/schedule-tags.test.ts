import { scheduleFromTags, scheduleToTags } from '../../src/domain/schedule-tags';

const valid = { AutoStart: '08:00', AutoStop: '18:00', Timezone: 'Europe/London', AutoDays: 'MON-FRI' };

describe('schedule from instance tags', () => {
  it('reads a complete schedule', () => {
    expect(scheduleFromTags(new Map(Object.entries(valid)))).toEqual({
      ok: true,
      schedule: { start: '08:00', stop: '18:00', timezone: 'Europe/London', days: 'MON-FRI', enabled: true },
    });
  });

  it('defaults to UTC and MON-FRI, and accepts a start-only schedule', () => {
    expect(scheduleFromTags({ AutoStart: '07:30' })).toEqual({ ok: true, schedule: { start: '07:30', timezone: 'UTC', days: 'MON-FRI', enabled: true } });
  });

  it('normalises a legacy zone link', () => {
    const r = scheduleFromTags({ ...valid, Timezone: 'US/Eastern' });
    expect(r.ok && r.schedule.timezone).toBe('America/New_York');
  });

  it('opts out with AutoSchedule=off (any case)', () => {
    const r = scheduleFromTags({ ...valid, AutoSchedule: 'OFF' });
    expect(r.ok && r.schedule.enabled).toBe(false);
  });

  it('reads KeepRunningUntil as an instant', () => {
    const r = scheduleFromTags({ ...valid, KeepRunningUntil: '2026-11-26T20:00:00+01:00' });
    expect(r.ok && r.keepRunningUntil?.toISOString()).toBe('2026-11-26T19:00:00.000Z');
  });

  it.each<[string, Record<string, string>, string]>([
    ['a 12-hour style start', { AutoStart: '8:00' }, 'AutoStart=8:00 must be a 24-hour time HH:MM such as 08:30'],
    ['an impossible stop', { AutoStop: '24:00' }, 'AutoStop=24:00 must be a 24-hour time HH:MM such as 08:30'],
    ['an unknown zone', { Timezone: 'Mars/Olympus' }, 'Timezone=Mars/Olympus is not an IANA time zone such as Europe/London'],
    ['lower-case days', { AutoDays: 'mon-fri' }, 'AutoDays=mon-fri must be days such as MON-FRI or MON,WED,FRI'],
    ['a bad opt-out value', { AutoSchedule: 'maybe' }, 'AutoSchedule=maybe must be on or off'],
    ['equal start and stop', { AutoStart: '09:00', AutoStop: '09:00' }, 'AutoStart and AutoStop are both 09:00'],
    ['a KeepRunningUntil without a zone', { KeepRunningUntil: '2026-11-26 20:00' }, 'KeepRunningUntil=2026-11-26 20:00 must be an ISO 8601 time such as 2026-11-26T20:00:00Z'],
  ])('rejects %s with a reason naming the tag', (_name, over, reason) => {
    expect(scheduleFromTags({ ...valid, ...over })).toEqual({ ok: false, error: reason });
  });

  it('reports every problem at once, with characters that are safe in a tag value', () => {
    const r = scheduleFromTags({ AutoStart: '"8am"', Timezone: 'Nowhere!' });
    expect(r).toEqual({ ok: false, error: 'AutoStart=?8am? must be a 24-hour time HH:MM such as 08:30; Timezone=Nowhere? is not an IANA time zone such as Europe/London' });
    if (!r.ok) expect(/^[\p{L}\p{Z}\p{N}_.:/=+\-@;?]*$/u.test(r.error)).toBe(true);
  });
});

describe('schedule to instance tags', () => {
  it('writes every schedule tag and removes a stale ScheduleError', () => {
    expect(scheduleToTags({ start: '08:00', stop: '18:00', timezone: 'US/Eastern', days: 'MON-FRI', enabled: true })).toEqual({
      set: [
        { Key: 'Timezone', Value: 'America/New_York' },
        { Key: 'AutoDays', Value: 'MON-FRI' },
        { Key: 'AutoSchedule', Value: 'on' },
        { Key: 'AutoStart', Value: '08:00' },
        { Key: 'AutoStop', Value: '18:00' },
      ],
      remove: ['ScheduleError'],
    });
  });

  it('removes the time a start-only schedule no longer has', () => {
    const r = scheduleToTags({ start: '08:00', timezone: 'UTC', days: 'SAT-MON', enabled: false });
    expect(r.remove).toEqual(['ScheduleError', 'AutoStop']);
    expect(r.set).toContainEqual({ Key: 'AutoSchedule', Value: 'off' });
  });

  it('round-trips through the tag parser', () => {
    const s = { start: '22:00', stop: '06:00', timezone: 'Pacific/Apia', days: 'MON,WED,FRI', enabled: true };
    const tags = new Map(scheduleToTags(s).set.map((t) => [t.Key, t.Value] as const));
    expect(scheduleFromTags(tags)).toEqual({ ok: true, schedule: s });
  });
});
