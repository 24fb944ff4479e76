import { localToInstant, offsetAt } from '../../../src/domain/schedule';

/**
 * Wall time in a named zone, both ways, with the scheduler's own zone rules (src/domain/schedule.ts),
 * so a time the panel takes in the viewer's Jira zone means what the scheduler will do.
 */

const DAY_MS = 86_400_000;
const pad = (n: number) => String(n).padStart(2, '0');

/** `{date: 'YYYY-MM-DD', time: 'HH:MM'}` of instant `t` in `zone`. */
export function wallTimeIn(t: Date, zone: string): { date: string; time: string } {
  const local = new Date(t.getTime() + offsetAt(zone, t.getTime()));
  return {
    date: `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`,
    time: `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`,
  };
}

/** The instant of `date` (YYYY-MM-DD) at `time` (24-hour HH:MM) in `zone`; undefined when either is not valid. */
export function instantOfWallTime(date: string, time: string, zone: string): Date | undefined {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const h = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time.trim());
  if (!d || !h) return undefined;
  const day = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3])) / DAY_MS;
  if (!Number.isInteger(day)) return undefined;
  return new Date(localToInstant(zone, day, Number(h[1]) * 60 + Number(h[2])));
}
