import { scheduledHours } from '../../src/domain/schedule';

const OFFICE = { start: '08:00', stop: '18:00', days: 'MON-FRI', timezone: 'Europe/London', enabled: true };

describe('scheduled hours (cost of working hours without idle stop)', () => {
  it('sums the working windows in the period', () => {
    expect(scheduledHours(OFFICE, new Date('2026-11-23T00:00:00Z'), new Date('2026-11-25T12:00:00Z'))).toBe(24);
    expect(scheduledHours(OFFICE, new Date('2026-11-23T00:00:00Z'), new Date('2026-11-30T00:00:00Z'))).toBe(50);
  });
  it('counts a window already open at the start of the period from that start', () => {
    expect(scheduledHours(OFFICE, new Date('2026-11-23T09:00:00Z'), new Date('2026-11-23T17:00:00Z'))).toBe(8);
  });
  it('is undefined for a schedule that is off', () => {
    expect(scheduledHours({ ...OFFICE, enabled: false }, new Date('2026-11-23T00:00:00Z'), new Date('2026-11-25T00:00:00Z'))).toBeUndefined();
  });
});
