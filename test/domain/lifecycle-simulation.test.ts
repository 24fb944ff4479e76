import { Tag } from '../../src/contract/tags';
import { activityFrom, type SessionSeen } from '../../src/domain/activity';
import type { Ec2State } from '../../src/domain/ec2-state';
import { plan, type ObservedVm, type PlanOptions } from '../../src/domain/reconcile';
import { emptyState, type SchedulerState } from '../../src/domain/scheduler-state';

/**
 * The VM lifecycle over 5-minute reconciler runs (issue 13): parking, idle stop, busy deferral
 * and idle teardown, with the VM's state following the plan's starts, stops and terminations and
 * its activity coming from Session Manager sessions through `activityFrom`, as the reconciler
 * computes it. Europe/London in November is UTC, so the expected instants read as local times.
 */

const TICK = 5 * 60_000;
const TICK_OFFSET = 137_000; // runs are not aligned to the boundaries
const OPTS: PlanOptions = { intervalMinutes: 5, idleDays: 30, idleWarningDays: 3, idleStopMinutes: 60, stopDeferStepMinutes: 30, stopDeferMaxMinutes: 180 };
const OFFICE = { AutoStart: '08:00', AutoStop: '18:00', Timezone: 'Europe/London', AutoDays: 'MON-FRI' };
const MONDAY = Date.parse('2026-11-23T00:00:00Z');
const at = (day: number, hhmm: string): number => MONDAY + day * 86_400_000 + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * 60_000;

interface SimVm {
  vm: ObservedVm & { state: Ec2State; launchTime?: Date };
  /** Session Manager sessions: [start, end) in ms. */
  sessions: [number, number][];
}
interface Happened {
  id: string;
  at: number;
  what: 'start' | 'stop' | 'terminate' | 'warn' | 'skip';
  cause?: string;
  kind?: string;
  reason: string;
}

function simVm(id: string, tags: Record<string, string>, sessions: [number, number][] = [], state: Ec2State = 'stopped'): SimVm {
  return { vm: { id, state, tags: new Map(Object.entries({ ...OFFICE, CreatedAt: '2026-11-01T00:00:00Z', ...tags })) }, sessions };
}

function simulate(vms: SimVm[], from: number, to: number, options: PlanOptions = OPTS, onTick?: (t: number) => void): Happened[] {
  const log: Happened[] = [];
  let state: SchedulerState = { ...emptyState(), lastRunAt: new Date(from).toISOString() };
  for (let t = from + TICK_OFFSET; t < to; t += TICK) {
    const now = new Date(t);
    onTick?.(t);
    // What DescribeSessions would list now: sessions begun so far, open ones without an end.
    const sessions: SessionSeen[] = vms.flatMap(({ vm, sessions: s }) =>
      s.filter(([b]) => b <= t).map(([b, e]) => (e > t ? { target: vm.id, startDate: new Date(b), status: 'Connected' } : { target: vm.id, startDate: new Date(b), endDate: new Date(e), status: 'Terminated' })),
    );
    const activity = activityFrom(sessions, [], now, { cpuPercent: 10, cpuSustainMinutes: 15, periodMinutes: 5 });
    const observed = vms.filter((v) => v.vm.state !== 'terminated').map(({ vm }) => ({ ...vm, activity: activity.get(vm.id) ?? { busy: false } }));
    const p = plan(observed, state, now, options);
    state = p.nextState;
    const byId = new Map(vms.map((v) => [v.vm.id, v.vm]));
    for (const d of p.starts) {
      const vm = byId.get(d.id)!;
      vm.state = 'running';
      vm.launchTime = now;
      log.push({ id: d.id, at: t, what: 'start', cause: d.cause, reason: d.reason });
    }
    for (const d of p.stops) {
      byId.get(d.id)!.state = 'stopped';
      log.push({ id: d.id, at: t, what: 'stop', cause: d.cause, reason: d.reason });
    }
    for (const d of p.terminations) {
      byId.get(d.id)!.state = 'terminated';
      log.push({ id: d.id, at: t, what: 'terminate', cause: d.cause, reason: d.reason });
    }
    for (const n of p.notices) if (n.type === 'vm.idle-warning') log.push({ id: n.id, at: t, what: 'warn', reason: n.reason });
    for (const s of p.skipped) log.push({ id: s.id, at: t, what: 'skip', kind: s.kind, reason: s.reason });
  }
  return log;
}

const of = (log: Happened[], id: string, what?: Happened['what']) => log.filter((h) => h.id === id && (what === undefined || h.what === what));
const firstTickAfter = (ms: number): number => ms + ((TICK_OFFSET - ((ms - MONDAY) % TICK) + TICK) % TICK);

describe('VM lifecycle over one week of 5-minute runs', () => {
  it("a closed issue's (parked) VM stays stopped all week, its working hours kept", () => {
    const parked = simVm('i-parked', { [Tag.ParkedAt]: '2026-11-22T16:00:00Z' });
    const log = simulate([parked], MONDAY, MONDAY + 7 * 86_400_000);
    expect(of(log, 'i-parked', 'start')).toEqual([]);
    expect(parked.vm.state).toBe('stopped');
    expect(parked.vm.tags.get(Tag.AutoStart)).toBe('08:00');
    // Each weekday's start was skipped because of the parking, and reported so.
    expect(of(log, 'i-parked', 'skip').filter((s) => s.kind === 'start-parked')).toHaveLength(5);
  });

  it('a VM used on Monday only is idle-stopped on Tuesday after the threshold, started again on Wednesday, never terminated', () => {
    const monday = simVm('i-monday', {}, [[at(0, '08:30'), at(0, '16:00')]]);
    const log = simulate([monday], MONDAY, MONDAY + 7 * 86_400_000);
    const stops = of(log, 'i-monday', 'stop');
    // Monday: the session ends at 16:00, idle-stopped an hour later (before the 18:00 schedule stop).
    expect(stops[0]).toMatchObject({ at: firstTickAfter(at(0, '17:00')), cause: 'idle-stop' });
    // Tuesday: started at 08:00 by the schedule, idle-stopped 60 minutes after that start.
    const tuesdayStart = of(log, 'i-monday', 'start').find((s) => s.at > at(1, '00:00'))!;
    expect(tuesdayStart).toMatchObject({ at: firstTickAfter(at(1, '08:00')), cause: 'schedule' });
    const tuesdayStop = stops.find((s) => s.at > at(1, '00:00'))!;
    expect(tuesdayStop.cause).toBe('idle-stop');
    expect(tuesdayStop.at).toBe(firstTickAfter(tuesdayStart.at + 60 * 60_000));
    expect(tuesdayStop.reason).toMatch(/^idle for 6\d minutes/);
    // Wednesday: the schedule starts it again.
    expect(of(log, 'i-monday', 'start').some((s) => s.at === firstTickAfter(at(2, '08:00')))).toBe(true);
    expect(of(log, 'i-monday', 'terminate')).toEqual([]);
    expect(of(log, 'i-monday', 'warn')).toEqual([]);
  });

  it('a VM with a session until 17:55 and KeepRunningUntil 20:00 is not idle-stopped; the held schedule stop runs after 20:00', () => {
    const kept = simVm('i-kept', { [Tag.KeepRunningUntil]: '2026-11-23T20:00:00Z' }, [[at(0, '08:10'), at(0, '17:55')]]);
    const log = simulate([kept], MONDAY, MONDAY + 86_400_000);
    const stops = of(log, 'i-kept', 'stop');
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ at: firstTickAfter(at(0, '20:00')), cause: 'schedule' });
    expect(of(log, 'i-kept', 'skip').some((s) => s.kind === 'stop-held')).toBe(true);
  });

  it('a VM whose session is open at its 18:00 stop and ends at 18:20 is stopped at the first quiet deferral step (18:30)', () => {
    const late = simVm('i-late', {}, [[at(0, '08:10'), at(0, '18:20')]]);
    const log = simulate([late], MONDAY, MONDAY + 86_400_000);
    const stops = of(log, 'i-late', 'stop');
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ at: firstTickAfter(at(0, '18:30')), cause: 'schedule' });
    expect(stops[0]!.reason).toMatch(/deferred 3\d minutes while busy, now quiet/);
    expect(of(log, 'i-late', 'skip').filter((s) => s.kind === 'stop-busy').length).toBeGreaterThan(0);
  });

  it('a VM that stays busy past its stop is stopped at the admin maximum (3 h)', () => {
    const busy = simVm('i-busy', {}, [[at(0, '08:10'), at(1, '02:00')]]);
    const log = simulate([busy], MONDAY, MONDAY + 86_400_000);
    const stops = of(log, 'i-busy', 'stop');
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ at: firstTickAfter(at(0, '21:00')), cause: 'schedule' });
    expect(stops[0]!.reason).toMatch(/still busy after the maximum deferral of 180 minutes/);
  });

  it('without an activity measurement, nothing is idle-stopped or deferred (a measurement outage stops nobody)', () => {
    const blind = simVm('i-blind', {}, []);
    const log: Happened[] = [];
    let state: SchedulerState = { ...emptyState(), lastRunAt: new Date(MONDAY).toISOString() };
    for (let t = MONDAY + TICK_OFFSET; t < MONDAY + 86_400_000; t += TICK) {
      const p = plan([blind.vm], state, new Date(t), OPTS);
      state = p.nextState;
      if (p.starts.length) {
        blind.vm.state = 'running';
        blind.vm.launchTime = new Date(t);
      }
      for (const d of p.stops) {
        blind.vm.state = 'stopped';
        log.push({ id: d.id, at: t, what: 'stop', cause: d.cause, reason: d.reason });
      }
    }
    expect(log.map((h) => [h.at, h.cause])).toEqual([[firstTickAfter(at(0, '18:00')), 'schedule']]);
  });
});

describe('idle teardown over 31 days', () => {
  it('a scheduled VM nobody uses is warned on day 27 and terminated on day 30, although the schedule starts it every weekday', () => {
    const created = Date.parse('2026-11-02T10:00:00Z'); // a Monday
    const unused = simVm('i-unused', { CreatedAt: new Date(created).toISOString() });
    const log = simulate([unused], created, created + 31 * 86_400_000);
    const day = (ms: number) => (ms - created) / 86_400_000;
    expect(of(log, 'i-unused', 'start').length).toBeGreaterThanOrEqual(19); // started by the schedule on the weekdays
    const warns = of(log, 'i-unused', 'warn');
    expect(warns).toHaveLength(1);
    expect(day(warns[0]!.at)).toBeGreaterThanOrEqual(27);
    expect(day(warns[0]!.at)).toBeLessThan(27 + TICK / 86_400_000);
    const terms = of(log, 'i-unused', 'terminate');
    expect(terms).toHaveLength(1);
    expect(day(terms[0]!.at)).toBeGreaterThanOrEqual(30);
    expect(day(terms[0]!.at)).toBeLessThan(30 + TICK / 86_400_000);
    expect(terms[0]!.cause).toBe('idle-reaper');
  });

  it('"Keep this VM" (KeptAt) on day 28 resets the idle clock: no termination on day 30', () => {
    const created = Date.parse('2026-11-02T10:00:00Z');
    const kept = simVm('i-keep', { CreatedAt: new Date(created).toISOString() });
    const keptAt = created + 28 * 86_400_000;
    const log = simulate([kept], created, created + 31 * 86_400_000, OPTS, (t) => {
      // The panel action writes the tag (src/handlers); the reconciler only reads it.
      if (t >= keptAt && !kept.vm.tags.has(Tag.KeptAt)) (kept.vm.tags as Map<string, string>).set(Tag.KeptAt, new Date(t).toISOString());
    });
    expect(of(log, 'i-keep', 'warn')).toHaveLength(1);
    expect(of(log, 'i-keep', 'terminate')).toEqual([]);
  });

  it('a VM used once a week is never warned', () => {
    const created = Date.parse('2026-11-02T10:00:00Z');
    const weekly = simVm('i-weekly', { CreatedAt: new Date(created).toISOString() }, [0, 1, 2, 3].map((w) => [created + w * 7 * 86_400_000, created + w * 7 * 86_400_000 + 3_600_000] as [number, number]));
    const log = simulate([weekly], created, created + 31 * 86_400_000);
    expect(of(log, 'i-weekly', 'warn')).toEqual([]);
    expect(of(log, 'i-weekly', 'terminate')).toEqual([]);
  });
});
