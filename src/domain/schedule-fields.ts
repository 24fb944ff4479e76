import { DAY_NAMES, expandDays, type Schedule } from '../contract/schedule';
import type { Settings } from '../contract/settings';

/**
 * A panel schedule edit as values for the mapped schedule fields (start, stop, time zone,
 * working days), each in the shape its field holds now: a select's `{value}`, a multi-select or
 * checkbox's list of `{value}`, a labels-like list of strings, or text. Pure: the handler writes
 * them (Jira REST "Edit issue", PUT /rest/api/3/issue/{key}) and falls back to the app's record when
 * Jira refuses (a field not on the edit screen, a value its options lack).
 */

const ROLES = ['start', 'stop', 'timezone', 'days'] as const;

function shaped(text: string, list: string[], current: unknown): unknown {
  if (Array.isArray(current)) {
    const objects = current.some((v) => v !== null && typeof v === 'object');
    return objects || current.length === 0 ? list.map((value) => ({ value })) : list;
  }
  if (current !== null && typeof current === 'object' && 'value' in current) return { value: text };
  return text;
}

export interface ScheduleFieldWrite {
  /** Field id → value, for the mapped roles only. */
  fields: Record<string, unknown>;
  /** Every schedule role is mapped (so the fields alone say the whole schedule). */
  complete: boolean;
}

export function scheduleFieldValues(schedule: Schedule, mapping: Settings['fields'], current: Readonly<Record<string, unknown>>): ScheduleFieldWrite {
  const days = DAY_NAMES.filter((d) => expandDays(schedule.days).has(d));
  const text: Record<(typeof ROLES)[number], string | undefined> = { start: schedule.start, stop: schedule.stop, timezone: schedule.timezone, days: schedule.days };
  const fields: Record<string, unknown> = {};
  let complete = true;
  for (const role of ROLES) {
    const id = mapping[role];
    const value = text[role];
    if (!id) {
      complete = false;
      continue;
    }
    // An open-ended schedule (no start or no stop) clears the field, as the panel shows "none".
    fields[id] = value === undefined ? null : shaped(value, role === 'days' ? days : [value], current[id]);
  }
  return { fields, complete };
}
