import type { Schedule } from '../../src/contract/schedule';
import { plan, type ObservedVm } from '../../src/domain/reconcile';
import { localToInstant } from '../../src/domain/schedule';
import { scheduleToTags } from '../../src/domain/schedule-tags';
import { emptyState, type SchedulerState } from '../../src/domain/scheduler-state';

/**
 * One week of 5-minute reconciler runs per zone, with the VM's state following the plan's
 * starts and stops: the hours each VM runs must equal the hours its schedule defines, to within
 * one tick, including the weeks in which clocks change. Expected hours are worked out by hand
 * from the zone rules (see the comments), not computed by the code under test.
 */

const TICK = 5 * 60_000;
// EventBridge runs are not aligned to the boundaries; an odd offset keeps the test honest.
const TICK_OFFSET = 137_000;

const SCHEDULES = {
  office: { start: '08:00', stop: '18:00', days: 'MON-FRI' }, // 5 × 10 h
  night: { start: '22:00', stop: '06:00', days: 'MON-FRI' }, // 5 × 8 h, Fri 22:00 → Sat 06:00 included
  weekendNight: { start: '20:00', stop: '10:00', days: 'SAT' }, // Sat 20:00 → Sun 10:00: 14 h, 13 h spring, 15 h fall
  earlySunday: { start: '00:30', stop: '03:30', days: 'SUN' }, // 3 h, 2 h spring, 4 h fall
  gapStart: { start: '02:30', stop: '05:00', days: 'SUN' }, // 2.5 h; 02:30 inside a gap starts at 03:00 → 2 h; ambiguous 02:30 → first one
  ambiguousStart: { start: '01:30', stop: '06:00', days: 'SUN' }, // 4.5 h
  wrapDays: { start: '23:00', stop: '01:00', days: 'SAT-MON' }, // Mon 23→Tue 01, Sat 23→Sun 01, Sun 23→(week end) = 5 h
} satisfies Record<string, { start: string; stop: string; days: string }>;
type Name = keyof typeof SCHEDULES;
type Hours = Record<Name, number>;

const NORMAL: Hours = { office: 50, night: 40, weekendNight: 14, earlySunday: 3, gapStart: 2.5, ambiguousStart: 4.5, wrapDays: 5 };

const WEEKS: [zone: string, monday: string, label: string, expected: Hours][] = [
  ['America/New_York', '2026-11-23', 'a normal week', NORMAL],
  // Sun 8 Mar 02:00 EST → 03:00 EDT: 02:30 does not exist; 01:30 EST → 06:00 EDT is 3.5 h.
  ['America/New_York', '2026-03-02', 'the spring-forward week', { ...NORMAL, weekendNight: 13, earlySunday: 2, gapStart: 2, ambiguousStart: 3.5 }],
  // Sun 1 Nov 02:00 EDT → 01:00 EST: 01:30 happens twice (first one counts) → 06:00 EST is 5.5 h.
  ['America/New_York', '2026-10-26', 'the fall-back week', { ...NORMAL, weekendNight: 15, earlySunday: 4, ambiguousStart: 5.5 }],
  ['Europe/London', '2026-11-23', 'a normal week', NORMAL],
  // Sun 29 Mar 01:00 GMT → 02:00 BST: 01:30 does not exist → starts 02:00 BST, 4 h to 06:00.
  ['Europe/London', '2026-03-23', 'the spring-forward week', { ...NORMAL, weekendNight: 13, earlySunday: 2, ambiguousStart: 4 }],
  // Sun 25 Oct 02:00 BST → 01:00 GMT: 01:30 BST (first) → 06:00 GMT is 5.5 h.
  ['Europe/London', '2026-10-19', 'the fall-back week', { ...NORMAL, weekendNight: 15, earlySunday: 4, ambiguousStart: 5.5 }],
  ['Australia/Sydney', '2026-11-23', 'a normal (summer) week', NORMAL],
  // Sun 5 Apr 03:00 AEDT → 02:00 AEST: 02:30 happens twice, the AEDT one counts → 05:00 AEST is 3.5 h.
  ['Australia/Sydney', '2026-03-30', 'the week DST ends', { ...NORMAL, weekendNight: 15, earlySunday: 4, gapStart: 3.5, ambiguousStart: 5.5 }],
  // Sun 4 Oct 02:00 AEST → 03:00 AEDT: 02:30 does not exist → 03:00 AEDT.
  ['Australia/Sydney', '2026-09-28', 'the week DST starts', { ...NORMAL, weekendNight: 13, earlySunday: 2, gapStart: 2, ambiguousStart: 3.5 }],
  ['Asia/Kolkata', '2026-11-23', 'a normal week (+05:30)', NORMAL],
  ['Pacific/Apia', '2026-11-23', 'a normal week (+13)', NORMAL],
  ['Pacific/Tongatapu', '2026-03-02', 'a normal week (+13)', NORMAL],
];

function simulate(zone: string, monday: string): Hours {
  const day = Math.floor(Date.parse(`${monday}T00:00:00Z`) / 86_400_000);
  const start = localToInstant(zone, day, 0);
  const end = localToInstant(zone, day + 7, 0);
  const names = Object.keys(SCHEDULES) as Name[];
  const vms: ObservedVm[] = names.map((name, i) => {
    const schedule: Schedule = { ...SCHEDULES[name], timezone: zone, enabled: true };
    const tags = new Map(scheduleToTags(schedule).set.map((t) => [t.Key, t.Value] as const));
    return { id: `i-${String(i + 1).padStart(17, '0')}`, state: 'stopped', tags };
  });
  const ran = new Map<string, number>(vms.map((v) => [v.id, 0]));
  let state: SchedulerState = { ...emptyState(), lastRunAt: new Date(start).toISOString() };
  for (let t = start + TICK_OFFSET; t < end; t += TICK) {
    const p = plan(vms, state, new Date(t), { intervalMinutes: 5, idleDays: 30, idleWarningDays: 3 });
    const starts = new Set(p.starts.map((d) => d.id));
    const stops = new Set(p.stops.map((d) => d.id));
    for (const vm of vms) {
      if (starts.has(vm.id)) vm.state = 'running';
      if (stops.has(vm.id)) vm.state = 'stopped';
      if (vm.state === 'running') ran.set(vm.id, (ran.get(vm.id) ?? 0) + Math.min(TICK, end - t));
    }
    state = p.nextState;
  }
  return Object.fromEntries(names.map((n, i) => [n, (ran.get(vms[i]!.id) ?? 0) / 3_600_000])) as Hours;
}

describe('one week of 5-minute runs', () => {
  it.each(WEEKS)('%s, %s (%s): every VM runs the hours its schedule defines, within one tick', (zone, monday, _label, expected) => {
    const hours = simulate(zone, monday);
    for (const name of Object.keys(expected) as Name[]) {
      const diffMinutes = Math.abs(hours[name] - expected[name]) * 60;
      if (diffMinutes > 5) throw new Error(`${name}: ran ${hours[name].toFixed(3)} h, schedule defines ${expected[name]} h`);
    }
  });
});
