import { scheduleFieldValues } from '../../src/domain/schedule-fields';

/** A panel schedule edit in the shapes the schedule fields hold. */

const mapping = { start: 'cf_start', stop: 'cf_stop', timezone: 'cf_tz', days: 'cf_days' };
const schedule = { start: '07:00', stop: '15:00', timezone: 'Europe/Berlin', days: 'MON-WED,FRI', enabled: true };

describe('scheduleFieldValues', () => {
  it('writes text into text fields, {value} into a select, a list of {value} into a checkbox or multi-select', () => {
    const r = scheduleFieldValues(schedule, mapping, { cf_start: '08:00', cf_stop: null, cf_tz: { value: 'UTC', id: '1' }, cf_days: [{ value: 'MON' }] });
    expect(r).toEqual({
      fields: { cf_start: '07:00', cf_stop: '15:00', cf_tz: { value: 'Europe/Berlin' }, cf_days: [{ value: 'MON' }, { value: 'TUE' }, { value: 'WED' }, { value: 'FRI' }] },
      complete: true,
    });
  });

  it('writes plain strings into a labels-like list, and the days spec into a text field', () => {
    expect(scheduleFieldValues(schedule, mapping, { cf_days: ['MON'] }).fields.cf_days).toEqual(['MON', 'TUE', 'WED', 'FRI']);
    expect(scheduleFieldValues(schedule, mapping, { cf_days: 'MON-FRI' }).fields.cf_days).toBe('MON-WED,FRI');
  });

  it('clears the start or stop of an open-ended schedule', () => {
    expect(scheduleFieldValues({ ...schedule, stop: undefined }, mapping, {}).fields.cf_stop).toBeNull();
  });

  it('writes only mapped fields, and says the fields alone do not hold the whole schedule then', () => {
    expect(scheduleFieldValues(schedule, { start: 'cf_start', stop: 'cf_stop' }, {})).toEqual({ fields: { cf_start: '07:00', cf_stop: '15:00' }, complete: false });
    expect(scheduleFieldValues(schedule, {}, {})).toEqual({ fields: {}, complete: false });
  });
});
