import { hoursText, lifecycleFlags } from '../../src/domain/fleet-row';

/** The fleet page's lifecycle states (issue 15), from tags and the scheduler's record. */

const usage = { month: '2026-11', hoursRun: 3, asOf: '2026-11-25T13:00:00.000Z' };
const idleStop = { at: '2026-11-25T12:00:00.000Z', cause: 'idle-stop' as const };
const warning = { at: '2026-11-24T00:00:00.000Z', terminateAt: '2026-11-27T00:00:00.000Z' };

describe('lifecycleFlags', () => {
  it('calls a VM idle-stopped only while it is stopped since the scheduler stopped it for idleness', () => {
    expect(lifecycleFlags({ state: 'stopped', launchTime: '2026-11-25T08:00:00.000Z', usage: { ...usage, lastStop: idleStop } })).toEqual({ flags: ['idle-stopped'], idleStoppedAt: idleStop.at });
    // Started again after the idle stop, then stopped by hand: a plain stop.
    expect(lifecycleFlags({ state: 'stopped', launchTime: '2026-11-25T12:30:00.000Z', usage: { ...usage, lastStop: idleStop } }).flags).toEqual([]);
    expect(lifecycleFlags({ state: 'running', launchTime: '2026-11-25T08:00:00.000Z', usage: { ...usage, lastStop: idleStop } }).flags).toEqual([]);
    expect(lifecycleFlags({ state: 'stopped', usage: { ...usage, lastStop: { ...idleStop, cause: 'schedule' } } }).flags).toEqual([]);
  });
  it('shows parked from the tag, and warned until a "Keep this VM" after the warning', () => {
    expect(lifecycleFlags({ state: 'stopped', parkedAt: '2026-11-20T00:00:00.000Z', usage: { ...usage, idleWarning: warning } })).toEqual({ flags: ['parked', 'warned'], terminateAt: warning.terminateAt });
    expect(lifecycleFlags({ state: 'stopped', keptAt: '2026-11-23T00:00:00.000Z', usage: { ...usage, idleWarning: warning } }).flags).toEqual(['warned']);
    expect(lifecycleFlags({ state: 'stopped', keptAt: '2026-11-24T09:00:00.000Z', usage: { ...usage, idleWarning: warning } })).toEqual({ flags: [] });
  });
});

describe('hoursText', () => {
  it('says the working hours in the words of the panel and the comments, not the tag spelling', () => {
    expect(hoursText({ start: '08:00', stop: '18:00', timezone: 'UTC', days: 'MON-FRI', enabled: true })).toBe('08:00–18:00 Mon–Fri');
    expect(hoursText({ start: '22:00', stop: '06:00', timezone: 'UTC', days: 'SUN-THU', enabled: true })).toBe('22:00–06:00 Sun–Thu');
    expect(hoursText({ start: '08:00', timezone: 'UTC', days: 'MON,TUE,WED', enabled: true })).toBe('from 08:00 Mon–Wed');
    expect(hoursText({ start: '08:00', stop: '18:00', timezone: 'UTC', days: 'MON-FRI', enabled: false })).toBe('off (on request only)');
  });
});
