import * as z from 'zod';

/**
 * The schedule grammar shared by the Jira fields, the VM API and the instance tags.
 * Semantics (boundaries, DST, overnight windows) live in src/domain/schedule.ts; this module
 * only says what a well-formed value is, so that every edge rejects the same inputs.
 */

export const DAY_NAMES = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type DayName = (typeof DAY_NAMES)[number];

const DAY = '(?:MON|TUE|WED|THU|FRI|SAT|SUN)';
const DAY_ITEM = `${DAY}(?:-${DAY})?`;
const DAYS_RE = new RegExp(`^${DAY_ITEM}(?:,${DAY_ITEM})*$`);

/** `HH:MM`, 24-hour, minute precision. */
export const ClockTime = z.string().regex(/^(?:[01][0-9]|2[0-3]):[0-5][0-9]$/, 'must be a 24-hour time HH:MM such as "08:30"');
export type ClockTime = z.infer<typeof ClockTime>;

/** `MON-FRI`, `MON,WED,FRI`, `SAT-MON` (a range wraps past Sunday). Upper-case, no spaces. */
export const DaysSpec = z.string().regex(DAYS_RE, 'must be days such as "MON-FRI" or "MON,WED,FRI"');
export type DaysSpec = z.infer<typeof DaysSpec>;

/** True when the runtime's tz database knows the zone (legacy links such as US/Eastern included). */
export function isKnownTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const TimeZoneName = z.string().refine(isKnownTimeZone, 'must be an IANA time zone such as "Europe/London"');
export type TimeZoneName = z.infer<typeof TimeZoneName>;

/** Expand a days spec into the set of days it names (a range such as SAT-MON wraps). */
export function expandDays(spec: DaysSpec): Set<DayName> {
  const out = new Set<DayName>();
  for (const item of spec.split(',')) {
    const [from, to] = item.split('-') as [DayName, DayName | undefined];
    const a = DAY_NAMES.indexOf(from);
    const b = to === undefined ? a : DAY_NAMES.indexOf(to);
    for (let i = a; ; i = (i + 1) % 7) {
      out.add(DAY_NAMES[i] as DayName);
      if (i === b) break;
    }
  }
  return out;
}

export const DEFAULT_DAYS: DaysSpec = 'MON-FRI';

/**
 * A VM's working hours. Either time may be absent (start-only or stop-only); `enabled: false`
 * opts the VM out of scheduling (the `AutoSchedule=off` tag).
 */
export const Schedule = z
  .object({
    start: ClockTime.optional(),
    stop: ClockTime.optional(),
    timezone: TimeZoneName,
    days: DaysSpec.default(DEFAULT_DAYS),
    enabled: z.boolean().default(true),
  })
  .strict()
  .refine((s) => !(s.start !== undefined && s.start === s.stop), { message: 'start and stop must differ', path: ['stop'] });
export type Schedule = z.infer<typeof Schedule>;
export type ScheduleInput = z.input<typeof Schedule>;
