import { DAY_NAMES, expandDays, type DayName, type Schedule } from '../contract/schedule';

/**
 * Working-hours semantics: when do a schedule's start and stop boundaries happen, as instants.
 *
 * - A start happens at `start` local time on every day listed in `days` ("AutoDays: days the
 *   start applies").
 * - The stop belongs to the start day: with a normal window (stop > start) it happens the same
 *   local day, with an overnight window (stop <= start, e.g. 22:00–06:00) on the following day.
 *   So `FRI 22:00–06:00` stops on Saturday morning, and a SAT/SUN without a start has no stop.
 * - A stop-only schedule (no `start`) stops on every day listed in `days`; a start-only schedule
 *   never stops by itself.
 * - DST: a local time that does not exist (02:30 on a spring-forward day) happens at the first
 *   instant after the gap (03:00 local); a local time that happens twice (01:30 on a fall-back day)
 *   happens once, at its first occurrence.
 *
 * All zone arithmetic goes through Intl (the runtime's tz database); there are no fixed offsets.
 * Pure: no clock, the caller passes every instant. The memo caches below only store values that
 * are a function of their key, so they never change a result.
 */

export type BoundaryKind = 'start' | 'stop';
export interface Boundary {
  kind: BoundaryKind;
  at: Date;
}

const MINUTE = 60_000;
const DAY_MS = 86_400_000;

/** `HH:MM` → minutes after local midnight. */
export function clockMinutes(hhmm: string): number {
  const m = /^([01][0-9]|2[0-3]):([0-5][0-9])$/.exec(hhmm);
  if (!m) throw new Error(`not a clock time HH:MM: ${JSON.stringify(hhmm)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

const IANA_AREAS = /^(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)\/[A-Za-z0-9_+\-/]+$/;

/**
 * The zone name to store: legacy links such as `US/Eastern` become their IANA Area/Location name
 * (`America/New_York`) and case is corrected; an Area/Location name the caller already gave is
 * kept as written, because ICU would turn some current names back into older aliases
 * (`Asia/Kolkata` → `Asia/Calcutta`). Throws on an unknown zone.
 */
export function normalizeTimeZone(zone: string): string {
  const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  return IANA_AREAS.test(zone) ? zone : resolved;
}

// ---------------------------------------------------------------------------------------------
// Zone arithmetic

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

const FORMATTED = /^(\d{2})\/(\d{2})\/(-?\d+), (\d{2}):(\d{2}):(\d{2})$/;

/** UTC offset (ms, local − UTC) in force at instant `t` in `zone`. */
export function offsetAt(zone: string, t: number): number {
  const s = formatter(zone).format(t);
  const m = FORMATTED.exec(s);
  if (!m) throw new Error(`unexpected Intl output ${JSON.stringify(s)} for ${zone}`);
  const wall = Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6]));
  // Intl drops milliseconds; compare against t rounded down to the second.
  return wall - (t - (((t % 1000) + 1000) % 1000));
}

/** Local calendar day of instant `t` in `zone`, as days since 1970-01-01. */
export function localDay(zone: string, t: number): number {
  return Math.floor((t + offsetAt(zone, t)) / DAY_MS);
}

/** Day of the week of a day number (days since 1970-01-01, a Thursday). */
export function dayName(day: number): DayName {
  return DAY_NAMES[(((day + 3) % 7) + 7) % 7] as DayName;
}

const instantMemo = new Map<string, number>();

/**
 * The instant at which local wall time `minutes` after midnight of local day `day` happens in
 * `zone`: the first occurrence when it happens twice, the end of the gap when it does not exist.
 */
export function localToInstant(zone: string, day: number, minutes: number): number {
  const key = `${zone}|${day}|${minutes}`;
  const hit = instantMemo.get(key);
  if (hit !== undefined) return hit;
  const wall = day * DAY_MS + minutes * MINUTE;
  // Offsets in force a day either side bracket any transition near this wall time.
  const before = offsetAt(zone, wall - DAY_MS);
  const after = offsetAt(zone, wall + DAY_MS);
  const candidates = new Set([before, after, offsetAt(zone, wall - before), offsetAt(zone, wall - after)]);
  let best: number | undefined;
  for (const off of candidates) {
    const t = wall - off;
    if (offsetAt(zone, t) === off && (best === undefined || t < best)) best = t;
  }
  if (best === undefined) best = endOfGap(zone, wall, before, after);
  if (instantMemo.size > 200_000) instantMemo.clear();
  instantMemo.set(key, best);
  return best;
}

/**
 * The wall time falls into a gap (clocks jumped forward over it). The gap ends at the transition
 * instant, found by bisection between the instant the wall time would have under each offset.
 */
function endOfGap(zone: string, wall: number, before: number, after: number): number {
  let lo = Math.min(wall - before, wall - after); // still under the old offset
  let hi = Math.max(wall - before, wall - after); // already under the new offset
  const oldOffset = offsetAt(zone, lo);
  if (oldOffset === offsetAt(zone, hi)) throw new Error(`cannot resolve local time in ${zone}`);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetAt(zone, mid) === oldOffset) lo = mid;
    else hi = mid;
  }
  return hi;
}

// ---------------------------------------------------------------------------------------------
// Boundaries

interface Compiled {
  zone: string;
  start?: number;
  stop?: number;
  days: Set<DayName>;
  overnight: boolean;
}

const compiledMemo = new Map<string, Compiled | null>();

/** A stable key for a schedule's semantics (used to share work between VMs with the same schedule). */
export function scheduleKey(s: Schedule): string {
  return `${s.enabled ? 1 : 0}|${s.timezone}|${s.start ?? ''}|${s.stop ?? ''}|${s.days}`;
}

function compile(s: Schedule): Compiled | null {
  const key = scheduleKey(s);
  const hit = compiledMemo.get(key);
  if (hit !== undefined) return hit;
  let c: Compiled | null = null;
  if (s.enabled && (s.start !== undefined || s.stop !== undefined)) {
    const start = s.start === undefined ? undefined : clockMinutes(s.start);
    const stop = s.stop === undefined ? undefined : clockMinutes(s.stop);
    c = {
      zone: s.timezone,
      days: expandDays(s.days),
      overnight: start !== undefined && stop !== undefined && stop <= start,
      ...(start !== undefined ? { start } : {}),
      ...(stop !== undefined ? { stop } : {}),
    };
  }
  if (compiledMemo.size > 10_000) compiledMemo.clear();
  compiledMemo.set(key, c);
  return c;
}

/** Boundaries whose local date is `day`, in order of time. */
function boundariesOnDay(c: Compiled, day: number): Boundary[] {
  const out: Boundary[] = [];
  if (c.start !== undefined && c.days.has(dayName(day))) out.push({ kind: 'start', at: new Date(localToInstant(c.zone, day, c.start)) });
  if (c.stop !== undefined) {
    // The stop on `day` belongs to the start day it closes: the same day, or the day before for
    // an overnight window; a stop-only schedule stops on its own listed days.
    const owner = c.overnight ? day - 1 : day;
    if (c.days.has(dayName(owner))) out.push({ kind: 'stop', at: new Date(localToInstant(c.zone, day, c.stop)) });
  }
  // A start and stop inside the same DST gap both land on the gap's end: keep start before stop.
  return out.sort((a, b) => a.at.getTime() - b.at.getTime() || (a.kind === 'start' ? -1 : 1));
}

/**
 * Every start/stop boundary with `from < at <= to`, in time order. A boundary exactly at `from`
 * belongs to the previous window of time (the previous run), so consecutive calls over
 * consecutive intervals see each boundary exactly once.
 */
export function boundariesBetween(schedule: Schedule, from: Date, to: Date): Boundary[] {
  const c = compile(schedule);
  const f = from.getTime();
  const t = to.getTime();
  if (c === null || !(t > f)) return [];
  const first = localDay(c.zone, f);
  const last = localDay(c.zone, t);
  const out: Boundary[] = [];
  // From the day before: a wall time inside a gap can land on the next local day.
  for (let day = first - 1; day <= last; day++) {
    for (const b of boundariesOnDay(c, day)) {
      const at = b.at.getTime();
      if (at > f && at <= t) out.push(b);
    }
  }
  return out;
}

/** The latest boundary with `from < at <= to`, or undefined. */
export function lastBoundaryBetween(schedule: Schedule, from: Date, to: Date): Boundary | undefined {
  const all = boundariesBetween(schedule, from, to);
  return all[all.length - 1];
}

/** The first start and the first stop strictly after `now` (absent when the schedule has none). */
export function nextBoundaries(schedule: Schedule, now: Date): { nextStart?: Date; nextStop?: Date } {
  const c = compile(schedule);
  if (c === null) return {};
  const n = now.getTime();
  const today = localDay(c.zone, n);
  let nextStart: Date | undefined;
  let nextStop: Date | undefined;
  // Every listed day recurs within 7 days, and a stop falls at most one day after its start day.
  for (let day = today; day <= today + 8 && (nextStart === undefined || nextStop === undefined); day++) {
    for (const b of boundariesOnDay(c, day)) {
      if (b.at.getTime() <= n) continue;
      if (b.kind === 'start' && nextStart === undefined) nextStart = b.at;
      if (b.kind === 'stop' && nextStop === undefined) nextStop = b.at;
    }
  }
  return { ...(nextStart ? { nextStart } : {}), ...(nextStop ? { nextStop } : {}) };
}

/**
 * Whether the schedule's window is open at `now`: the latest boundary within the past 8 days is a
 * start. Undefined when the schedule has no boundary in that span (opted out, no times, or a
 * start-only/stop-only schedule that says nothing about this moment). For display ("within
 * working hours") — the reconciler acts on boundaries, not on this.
 */
export function windowOpenAt(schedule: Schedule, now: Date): boolean | undefined {
  const last = lastBoundaryBetween(schedule, new Date(now.getTime() - 8 * DAY_MS), now);
  if (last === undefined) return undefined;
  return last.kind === 'start';
}

/**
 * Hours inside the schedule's working windows between `from` and `to` (the cost of "working
 * hours without idle stop"). A window already open at `from` counts from `from`; undefined when
 * the schedule is off.
 */
export function scheduledHours(schedule: Schedule, from: Date, to: Date): number | undefined {
  if (!schedule.enabled || to <= from) return schedule.enabled ? 0 : undefined;
  // Look back far enough to see the start of a window already open at `from` (a week covers any AutoDays).
  const boundaries = boundariesBetween(schedule, new Date(from.getTime() - 8 * 86_400_000), to);
  let openSince: number | undefined;
  let ms = 0;
  const f = from.getTime();
  const t = to.getTime();
  for (const b of boundaries) {
    const at = b.at.getTime();
    if (b.kind === 'start') openSince ??= at;
    else if (openSince !== undefined) {
      ms += Math.max(0, Math.min(at, t) - Math.max(openSince, f));
      openSince = undefined;
    }
  }
  if (openSince !== undefined) ms += Math.max(0, t - Math.max(openSince, f));
  return ms / 3_600_000;
}
