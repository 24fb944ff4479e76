import { ClockTime, DaysSpec, DEFAULT_DAYS, isKnownTimeZone, type Schedule } from '../contract/schedule';
import { Tag } from '../contract/tags';
import { normalizeTimeZone } from './schedule';

/**
 * Instance tags ⇄ Schedule. The schedule lives on the instance (AutoStart, AutoStop, Timezone,
 * AutoDays, AutoSchedule, KeepRunningUntil), so the reconciler needs no database and a person
 * can fix a schedule in the EC2 console. Parsing is strict: any malformed tag makes the whole
 * schedule an error (the instance is then neither started nor stopped), because guessing what a
 * half-valid schedule meant could stop someone's VM in the middle of their work.
 */

export type TagReader = ReadonlyMap<string, string> | Readonly<Record<string, string | undefined>>;

function read(tags: TagReader, key: string): string | undefined {
  if (tags instanceof Map) return tags.get(key);
  return (tags as Readonly<Record<string, string | undefined>>)[key];
}

export type ScheduleFromTags =
  | { ok: true; schedule: Schedule; keepRunningUntil?: Date }
  | { ok: false; /** Tag-safe reason, naming the tag and what is wrong; written to the ScheduleError tag. */ error: string };

/** A value quoted into a reason: EC2-tag-safe characters only, so the reason itself is a valid tag value. */
function shown(value: string): string {
  const cleaned = value.replace(/[^\p{L}\p{N} _.:/=+\-@]/gu, '?');
  return cleaned.length > 40 ? `${cleaned.slice(0, 40)}...` : cleaned;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Parse a KeepRunningUntil value: an ISO 8601 instant with a zone designator (Z or ±HH:MM). */
export function parseInstant(value: string): Date | undefined {
  if (!ISO_INSTANT.test(value)) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

// Building an Intl formatter to validate a zone costs far more than the rest of the parse, and a
// fleet shares a handful of zones: remember each answer (a pure function of the name).
const zoneMemo = new Map<string, string | null>();
function knownZone(raw: string): string | null {
  let hit = zoneMemo.get(raw);
  if (hit === undefined) {
    hit = isKnownTimeZone(raw) ? normalizeTimeZone(raw) : null;
    if (zoneMemo.size > 1000) zoneMemo.clear();
    zoneMemo.set(raw, hit);
  }
  return hit;
}

/** The schedule written in an instance's tags, or every problem with them in one reason. */
export function scheduleFromTags(tags: TagReader): ScheduleFromTags {
  const problems: string[] = [];

  const autoSchedule = read(tags, Tag.AutoSchedule);
  let enabled = true;
  if (autoSchedule !== undefined) {
    const v = autoSchedule.trim().toLowerCase();
    if (v === 'off') enabled = false;
    else if (v !== 'on') problems.push(`${Tag.AutoSchedule}=${shown(autoSchedule)} must be on or off`);
  }

  const clock = (key: string): string | undefined => {
    const raw = read(tags, key);
    if (raw === undefined || raw === '') return undefined;
    if (!ClockTime.safeParse(raw).success) {
      problems.push(`${key}=${shown(raw)} must be a 24-hour time HH:MM such as 08:30`);
      return undefined;
    }
    return raw;
  };
  const start = clock(Tag.AutoStart);
  const stop = clock(Tag.AutoStop);
  if (start !== undefined && start === stop) problems.push(`${Tag.AutoStart} and ${Tag.AutoStop} are both ${start}`);

  let timezone = 'UTC';
  const zoneRaw = read(tags, Tag.Timezone);
  if (zoneRaw !== undefined && zoneRaw !== '') {
    const zone = knownZone(zoneRaw);
    if (zone !== null) timezone = zone;
    else problems.push(`${Tag.Timezone}=${shown(zoneRaw)} is not an IANA time zone such as Europe/London`);
  }

  let days: string = DEFAULT_DAYS;
  const daysRaw = read(tags, Tag.AutoDays);
  if (daysRaw !== undefined && daysRaw !== '') {
    if (DaysSpec.safeParse(daysRaw).success) days = daysRaw;
    else problems.push(`${Tag.AutoDays}=${shown(daysRaw)} must be days such as MON-FRI or MON,WED,FRI`);
  }

  let keepRunningUntil: Date | undefined;
  const keepRaw = read(tags, Tag.KeepRunningUntil);
  if (keepRaw !== undefined && keepRaw !== '') {
    keepRunningUntil = parseInstant(keepRaw);
    if (keepRunningUntil === undefined) problems.push(`${Tag.KeepRunningUntil}=${shown(keepRaw)} must be an ISO 8601 time such as 2026-11-26T20:00:00Z`);
  }

  if (problems.length > 0) {
    const error = problems.join('; ');
    return { ok: false, error: error.length > 256 ? `${error.slice(0, 253)}...` : error };
  }
  const schedule: Schedule = { timezone, days, enabled, ...(start !== undefined ? { start } : {}), ...(stop !== undefined ? { stop } : {}) };
  return { ok: true, schedule, ...(keepRunningUntil ? { keepRunningUntil } : {}) };
}

/** Structurally an EC2 `Tag`; the domain does not import the SDK. */
export interface TagPair {
  Key: string;
  Value: string;
}

/**
 * The tags that encode a schedule, for RunInstances and for PUT /vms/{id}/schedule. `remove`
 * lists schedule tags that must be deleted so an old value cannot outlive the new schedule (a
 * dropped AutoStop, a stale ScheduleError). Tags are written before removals are applied, and
 * the two lists never share a key.
 */
export function scheduleToTags(schedule: Schedule): { set: TagPair[]; remove: string[] } {
  const set: TagPair[] = [
    { Key: Tag.Timezone, Value: normalizeTimeZone(schedule.timezone) },
    { Key: Tag.AutoDays, Value: schedule.days },
    { Key: Tag.AutoSchedule, Value: schedule.enabled ? 'on' : 'off' },
  ];
  const remove: string[] = [Tag.ScheduleError];
  if (schedule.start !== undefined) set.push({ Key: Tag.AutoStart, Value: schedule.start });
  else remove.push(Tag.AutoStart);
  if (schedule.stop !== undefined) set.push({ Key: Tag.AutoStop, Value: schedule.stop });
  else remove.push(Tag.AutoStop);
  return { set, remove };
}
