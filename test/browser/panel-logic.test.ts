import type { PanelView } from '../../src/contract/resolvers';
import { VM_STATES, type Vm, type VmState } from '../../src/contract/vm-api';
import { whyNot, type PanelAction } from '../../static/src/issue-panel/availability';
import { nextPollDelay, pollDecision, POLL_FIRST_MS, POLL_MAX_MS, POLL_WINDOW_MS, type PollDecision, type PollInput } from '../../static/src/issue-panel/poll';
import { daysFromSpec, describeDays, specFromDays } from '../../static/src/shared/days';
import { validateSchedule } from '../../static/src/issue-panel/schedule-validation';
import { stopDeferredText } from '../../static/src/issue-panel/stop-deferred';
import { secretsPayload } from '../../static/src/admin/validation';

/** The panel's pure decisions, table-driven: which action each state allows, polling backoff, day toggles. */

const vm = (state: VmState): Vm => ({
  id: 'i-0abc12345def67890',
  issueKey: 'OPS-42',
  client: 'acme-corp',
  developer: 'jdoe',
  instanceType: 't3.large',
  os: 'al2023',
  state,
  createdAt: '2026-11-26T09:00:00Z',
  schedule: { start: '08:00', stop: '18:00', timezone: 'Europe/Berlin', days: 'MON-FRI', enabled: true },
  connection: { region: 'eu-west-1', ssmCommand: 'aws ssm start-session --target i-0abc12345def67890 --region eu-west-1', homePath: '/home/jdoe', databases: [] },
});
const view = (state: VmState, over: Partial<PanelView> = {}): PanelView => ({ issueKey: 'OPS-42', configured: true, canAct: true, vm: vm(state), draft: null, ...over });

describe('which panel action a VM state allows', () => {
  const allowed: Record<VmState, PanelAction[]> = {
    pending: ['stop', 'keepRunning', 'terminate', 'editSchedule'],
    running: ['stop', 'keepRunning', 'terminate', 'editSchedule'],
    stopping: ['terminate', 'editSchedule'],
    stopped: ['start', 'keepRunning', 'terminate', 'editSchedule'],
    'shutting-down': [],
    terminated: [],
    failed: ['terminate'],
  };
  it.each(VM_STATES.map((s) => [s]))('in %s enables exactly the expected actions and explains the others', (state) => {
    const actions: PanelAction[] = ['start', 'stop', 'keepRunning', 'terminate', 'editSchedule'];
    expect(actions.filter((a) => whyNot(view(state), a, null) === undefined)).toEqual(allowed[state]);
    for (const a of actions.filter((x) => !allowed[state].includes(x))) expect(whyNot(view(state), a, null)).toMatch(/needs|nothing left|only change/);
  });
  it('gives the permission reason first, whatever the state', () => {
    expect(whyNot(view('stopped', { canAct: false, cannotActReason: 'Only the assignee, the reporter or a Jira administrator can act.' }), 'start', null)).toBe(
      'Only the assignee, the reporter or a Jira administrator can act.',
    );
  });
  it('blocks every action while another one is in flight', () => {
    expect(whyNot(view('running'), 'stop', 'Keep running')).toBe('Wait until “Keep running” has finished.');
  });
});

describe('polling while a change is under way', () => {
  it('backs off from 2 s by 1.6× per poll and never waits more than 20 s', () => {
    const delays = Array.from({ length: 10 }, (_, i) => nextPollDelay(i));
    expect(delays[0]).toBe(POLL_FIRST_MS);
    expect(delays.slice(0, 4)).toEqual([2000, 3200, 5120, 8192]);
    expect(delays.every((d, i) => i === 0 || d >= (delays[i - 1] as number))).toBe(true);
    expect(Math.max(...delays)).toBe(POLL_MAX_MS);
  });
});

describe('when the panel stops polling', () => {
  const T0 = Date.parse('2026-11-26T10:00:00Z');
  const base: PollInput = { transitional: true, queued: false, stale: false, windowStartMs: null, nowMs: T0, attempt: 0 };

  /** Plays the panel's loop with an injected clock: poll, advance the clock by the delay, poll again. */
  function run(input: PollInput): { polls: number; elapsedMs: number; last: PollDecision } {
    let state = { ...input, windowStartMs: input.windowStartMs ?? input.nowMs };
    for (let polls = 0; polls < 1000; polls++) {
      const d = pollDecision(state);
      if (!d.poll) return { polls, elapsedMs: state.nowMs - input.nowMs, last: d };
      state = { ...state, nowMs: state.nowMs + d.delayMs, attempt: state.attempt + 1 };
    }
    throw new Error('polling never stopped');
  }

  it('polls with the backoff while a VM changes state or a provision request is queued', () => {
    expect(pollDecision(base)).toEqual({ poll: true, delayMs: POLL_FIRST_MS });
    expect(pollDecision({ ...base, transitional: false, queued: true, attempt: 3 })).toEqual({ poll: true, delayMs: 8192 });
  });

  it('does not poll a settled VM', () => {
    expect(pollDecision({ ...base, transitional: false })).toEqual({ poll: false, why: 'settled' });
  });

  it('stops as soon as an answer is stale (the VM API did not answer)', () => {
    expect(pollDecision({ ...base, stale: true })).toEqual({ poll: false, why: 'stale' });
    expect(pollDecision({ ...base, queued: true, stale: true, attempt: 2, windowStartMs: T0 - 5_000 })).toEqual({ poll: false, why: 'stale' });
  });

  it('stops after the polling window, never polling past it, at most every 20 s until then', () => {
    const { polls, elapsedMs, last } = run(base);
    expect(last).toEqual({ poll: false, why: 'time-limit' });
    expect(elapsedMs).toBeLessThanOrEqual(POLL_WINDOW_MS);
    expect(elapsedMs).toBeGreaterThan(POLL_WINDOW_MS - POLL_MAX_MS);
    expect(POLL_WINDOW_MS).toBe(10 * 60_000);
    expect(polls).toBeLessThan(45);
  });

  it('starts a new full window after Refresh (a fresh start time and attempt 0)', () => {
    const first = run(base);
    const resumedAt = T0 + first.elapsedMs + 60_000;
    expect(pollDecision({ ...base, windowStartMs: T0, nowMs: resumedAt, attempt: 0 })).toEqual({ poll: false, why: 'time-limit' });
    expect(pollDecision({ ...base, windowStartMs: resumedAt, nowMs: resumedAt, attempt: 0 })).toEqual({ poll: true, delayMs: POLL_FIRST_MS });
    expect(run({ ...base, nowMs: resumedAt }).elapsedMs).toBe(first.elapsedMs);
  });
});

describe('day toggles and the days grammar', () => {
  it.each([
    ['MON-FRI', 'MON-FRI', 'Mon–Fri'],
    ['MON,WED,FRI', 'MON,WED,FRI', 'Mon, Wed, Fri'],
    ['SAT-MON', 'MON,SAT-SUN', 'Mon, Sat–Sun'],
    ['MON-SUN', 'MON-SUN', 'every day'],
    ['MON,TUE', 'MON-TUE', 'Mon–Tue'],
  ])('%s toggles back to %s and reads “%s”', (spec, back, words) => {
    expect(specFromDays(daysFromSpec(spec))).toBe(back);
    expect(describeDays(spec)).toBe(words);
  });
  it('gives an empty spec when no day is chosen', () => {
    expect(specFromDays(new Set())).toBe('');
  });
});

describe('schedule validation in the edit form', () => {
  it('rejects what the contract rejects, naming the field', () => {
    expect(validateSchedule({ start: '09:00', stop: '09:00', timezone: 'UTC', days: 'MON-FRI', enabled: true })).toEqual({ ok: false, errors: { stop: 'start and stop must differ' } });
    expect(validateSchedule({ start: '24:00', timezone: 'UTC', days: 'MON-FRI' })).toEqual({ ok: false, errors: { start: 'must be a 24-hour time HH:MM such as "08:30"' } });
    expect(validateSchedule({ start: '08:00', timezone: 'Mars/Olympus', days: 'MON' })).toEqual({ ok: false, errors: { timezone: 'must be an IANA time zone such as "Europe/London"' } });
  });
  it('accepts a valid schedule as the contract parses it', () => {
    expect(validateSchedule({ start: '08:00', stop: '17:00', timezone: 'Asia/Tokyo', days: 'MON-SAT', enabled: true })).toEqual({
      ok: true,
      schedule: { start: '08:00', stop: '17:00', timezone: 'Asia/Tokyo', days: 'MON-SAT', enabled: true },
    });
  });
});

describe('secrets typed on the admin page', () => {
  it('are sent without the whitespace a paste brings along (a trailing newline would break every signature)', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const hmac = 'a'.repeat(64);
    expect(secretsPayload({ accessKeyId: ' AKIAIOSFODNN7EXAMPLE ', secretAccessKey: `${secret}\n`, hmacSecret: `  ${hmac}\r\n` })).toEqual({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: secret, hmacSecret: hmac });
  });

  it('leave out what was not typed (the saved value is kept)', () => {
    expect(secretsPayload({ accessKeyId: '', secretAccessKey: '   ', hmacSecret: '' })).toEqual({});
  });
});

describe('the deferred stop line (issue 13)', () => {
  const NOW = Date.parse('2026-11-26T17:05:00Z');
  const deferred = (busy: ('session' | 'cpu')[], state: VmState = 'running'): Vm => ({ ...vm(state), stopDeferred: { until: '2026-11-26T17:30:00.000Z', busy } });

  it('says until when (VM zone, HH:MM) and what keeps the VM busy', () => {
    expect(stopDeferredText(deferred(['session', 'cpu']), NOW)).toBe('Stop deferred until 18:30 (busy: session active / CPU)');
    expect(stopDeferredText(deferred(['cpu']), NOW)).toBe('Stop deferred until 18:30 (busy: CPU)');
  });

  it('says nothing once the VM is no longer running, without a deferral, or for one long past', () => {
    expect(stopDeferredText(deferred(['session'], 'stopping'), NOW)).toBeUndefined();
    expect(stopDeferredText(vm('running'), NOW)).toBeUndefined();
    expect(stopDeferredText(deferred(['session']), Date.parse('2026-11-26T18:00:00Z'))).toBeUndefined();
  });
});
