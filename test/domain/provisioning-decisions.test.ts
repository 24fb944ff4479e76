import type { LifecycleEvent } from '../../src/contract/events';
import type { Vm } from '../../src/contract/vm-api';
import { DEFAULT_POLICY } from '../../src/contract/settings';
import { bootDecision, confirmsRecord, decideLifecycleEvent, isRoutineScheduleEvent, vmAfterEvent, withoutContradictedFacts } from '../../src/domain/lifecycle-events';
import { panelView, queuedProvision, worthStoring, type PanelFacts } from '../../src/domain/panel-view';
import { alreadyHandled, panelKey, provisionKey, queuedRetryWanted, transitionKey } from '../../src/domain/provision-policy';
import { PENDING_TRUSTED_SECONDS } from '../../src/domain/retry';
import { nextStop, stopHeld } from '../../src/domain/stop-rule';
import type { DevVmProperty } from '../../src/domain/vm-property';

/** The pure provisioning decisions (issue 10 item 4): one valid fixture, one field changed per row. */

// Thursday 2026-11-26, 10:00 UTC; working hours 08:00–18:00 UTC, Monday to Friday.
const NOW = new Date('2026-11-26T10:00:00Z');
const TODAY_STOP = '2026-11-26T18:00:00.000Z';
const vm: Vm = {
  id: 'i-0abc12345def67890',
  issueKey: 'OPS-1',
  client: 'acme',
  developer: 'jdoe',
  instanceType: 't3.large',
  os: 'al2023',
  state: 'running',
  createdAt: '2026-11-20T08:00:00Z',
  schedule: { start: '08:00', stop: '18:00', timezone: 'UTC', days: 'MON-FRI', enabled: true },
  connection: { region: 'eu-west-1', ssmCommand: 'aws ssm start-session --target i-0abc12345def67890 --region eu-west-1', homePath: '/home/jdoe', databases: [{ engine: 'postgres', host: 'pg', port: 5432, database: 'client_acme', user: 'dev_jdoe', secretName: 'dev-vm/db/jdoe' }] },
};
const request = { issueKey: 'OPS-1', client: 'acme', developer: 'jdoe', instanceType: 't3.large', os: 'al2023' as const, schedule: vm.schedule, idempotencyKey: 'jira:10042:cl1' };
const pending = (since: string): DevVmProperty['pending'] => ({ request, attempts: 1, since, nextAttemptAt: '2026-11-26T10:01:00Z', lastError: 'API_UNAVAILABLE' });

describe('the next stop the panel shows is the one the scheduler carries out', () => {
  it.each([
    ['no hold: the scheduled stop', {}, TODAY_STOP],
    ['a hold ending before the stop: the scheduled stop', { keepRunningUntil: '2026-11-26T17:00:00Z' }, TODAY_STOP],
    ['a hold past the stop: the hold’s end (the stop is owed until then)', { keepRunningUntil: '2026-11-26T21:00:00Z' }, '2026-11-26T21:00:00.000Z'],
    ['a hold past the next start: the first stop after the hold (the start supersedes the owed stop)', { keepRunningUntil: '2026-11-27T09:00:00Z' }, '2026-11-27T18:00:00.000Z'],
    ['a hold past the weekend’s last stop: the hold’s end', { keepRunningUntil: '2026-11-28T12:00:00Z' }, '2026-11-28T12:00:00.000Z'],
    ['a hold that already ended: the scheduled stop', { keepRunningUntil: '2026-11-26T09:00:00Z' }, TODAY_STOP],
    ['a stopped VM: the scheduled stop, holds do not matter', { state: 'stopped' as const, keepRunningUntil: '2026-11-26T21:00:00Z' }, TODAY_STOP],
    ['schedule off: none', { schedule: { ...vm.schedule, enabled: false } }, undefined],
  ])('%s', (_name, over, expected) => {
    expect(nextStop({ ...vm, ...over }, NOW)?.toISOString()).toBe(expected);
  });

  it('holds a stop exactly while the hold is in the future (the reconciler’s rule)', () => {
    expect(stopHeld(new Date('2026-11-26T10:00:01Z'), NOW.getTime())).toBe(true);
    expect(stopHeld(new Date('2026-11-26T10:00:00Z'), NOW.getTime())).toBe(false);
    expect(stopHeld(undefined, NOW.getTime())).toBe(false);
  });
});

describe('which key a provision request goes out under', () => {
  it('gives a redelivered transition the same key, and another transition another', () => {
    expect(transitionKey('10042', '501')).toBe('jira:10042:cl501');
    expect(transitionKey('10042', '502')).not.toBe(transitionKey('10042', '501'));
  });

  it('gives clicks within one minute one key, and a click after a replaced VM its own', () => {
    expect(panelKey('10042', new Date('2026-11-26T10:00:05Z'), undefined)).toBe(panelKey('10042', new Date('2026-11-26T10:00:55Z'), undefined));
    expect(panelKey('10042', new Date('2026-11-26T10:01:00Z'), undefined)).not.toBe(panelKey('10042', new Date('2026-11-26T10:00:55Z'), undefined));
    expect(panelKey('10042', NOW, 'i-0abc12345def67890')).toMatch(/-after-i-0abc/);
  });

  it('recognises a transition already handled, unless its request is still being retried', () => {
    expect(alreadyHandled({ idempotencyKey: 'k', updatedAt: '' }, 'k')).toBe(true);
    expect(alreadyHandled({ idempotencyKey: 'k', pending: pending(NOW.toISOString()), updatedAt: '' }, 'k')).toBe(false);
    expect(alreadyHandled(undefined, 'k')).toBe(false);
  });

  it.each([
    ['nothing pending: the fresh key', undefined, { kind: 'send', idempotencyKey: 'fresh' }],
    ['pending and in the queue’s hands: nothing is sent', pending('2026-11-26T09:50:00Z'), { kind: 'queued' }],
    ['pending past the retry window: sent again under its own key', pending(new Date(NOW.getTime() - (PENDING_TRUSTED_SECONDS + 1) * 1000).toISOString()), { kind: 'send', idempotencyKey: request.idempotencyKey }],
    ['pending since an unreadable time: sent again under its own key', pending('yesterday'), { kind: 'send', idempotencyKey: request.idempotencyKey }],
  ])('%s', (_name, p, expected) => {
    expect(provisionKey(p ? { pending: p, updatedAt: '' } : undefined, 'fresh', NOW)).toEqual(expected);
  });
});

describe('whether a queued retry is still sent', () => {
  it.each([
    ['the record still holds the request and there is no VM', { pending: pending('2026-11-26T09:50:00Z') }, true],
    ['a VM arrived meanwhile', { vm, pending: pending('2026-11-26T09:50:00Z') }, false],
    ['the request was cancelled', { vm: { ...vm, state: 'terminated' as const } }, false],
    ['another request replaced it', { pending: { ...pending('2026-11-26T09:50:00Z')!, request: { ...request, idempotencyKey: 'jira:10042:cl2' } } }, false],
  ])('%s: %s', (_name, prop, expected) => {
    expect(queuedRetryWanted({ ...prop, updatedAt: '' }, request.idempotencyKey)).toBe(expected);
  });
});

describe('what the panel shows', () => {
  const facts: PanelFacts = {
    issueKey: 'OPS-1',
    fields: { customfield_1: 'acme', customfield_2: 'jdoe' },
    mapping: { client: 'customfield_1', developer: 'customfield_2' },
    policy: DEFAULT_POLICY,
    configured: true,
    decision: { canAct: true },
    vm: undefined,
    prop: undefined,
    freshness: {},
  };

  it('shows the draft read from the fields when there is no VM', () => {
    const view = panelView(facts, NOW);
    expect(view).toEqual({ issueKey: 'OPS-1', configured: true, canAct: true, vm: null, draft: { problems: [], values: expect.objectContaining({ client: 'acme', developer: 'jdoe', start: '08:00', stop: '18:00' }) } });
  });

  it('shows a live VM with its next start and the held stop, and no draft', () => {
    const view = panelView({ ...facts, vm: { ...vm, keepRunningUntil: '2026-11-26T21:00:00Z' } }, NOW);
    expect(view).toMatchObject({ draft: null, nextStart: '2026-11-27T08:00:00.000Z', nextStop: '2026-11-26T21:00:00.000Z' });
  });

  it('shows a queued request instead of Provision, and the reason a read-only viewer cannot act', () => {
    const view = panelView({ ...facts, decision: { canAct: false, reason: 'not yours' }, prop: { pending: pending('2026-11-26T09:50:00Z') } }, NOW);
    expect(view).toMatchObject({ canAct: false, cannotActReason: 'not yours', pendingProvision: { requestedAt: '2026-11-26T09:50:00.000Z', nextAttemptAt: '2026-11-26T10:01:00.000Z', attempts: 1, maxAttempts: 4, lastError: 'API_UNAVAILABLE' } });
    expect(queuedProvision({ pending: pending('2026-11-20T09:50:00Z') }, NOW)).toBeUndefined();
  });

  it('writes a refreshed VM back only when more than its usage changed, or the usage is an hour old', () => {
    const usage = (asOf: string) => ({ month: '2026-11', hoursRun: 10, asOf });
    expect(worthStoring({ ...vm, state: 'stopped' }, vm)).toBe(true);
    expect(worthStoring({ ...vm, usage: usage('2026-11-26T10:30:00Z') }, { ...vm, usage: usage('2026-11-26T10:00:00Z') })).toBe(false);
    expect(worthStoring({ ...vm, usage: usage('2026-11-26T11:00:00Z') }, { ...vm, usage: usage('2026-11-26T10:00:00Z') })).toBe(true);
    expect(worthStoring({ ...vm, usage: usage('2026-11-26T10:00:00Z') }, vm)).toBe(true);
  });
});

describe('what a lifecycle event means for the issue’s record', () => {
  const event: LifecycleEvent = { id: '00000000-0000-4000-8000-000000000001', type: 'vm.stopped', time: NOW.toISOString(), instanceId: vm.id, issueKey: 'OPS-1', client: 'acme', developer: 'jdoe', cause: 'schedule' };

  it('drops from the issue property what the app’s own record or the clock contradicts, and nothing else', () => {
    const observed = (observedAt: string) => ({ instanceId: vm.id, observedAt, sequence: 0 });
    const prop = { vm, lastObservation: observed('2026-11-26T09:59:00Z') };
    const recorded = { instanceId: vm.id, recordedAt: '2026-11-20T08:00:00Z' };
    expect(withoutContradictedFacts(prop, recorded, NOW.getTime())).toBe(prop);
    expect(withoutContradictedFacts(prop, undefined, NOW.getTime())).toBe(prop);
    expect(withoutContradictedFacts(prop, { ...recorded, instanceId: 'i-0ffff0000ffff0000' }, NOW.getTime())).toEqual({ ...prop, vm: undefined });
    expect(withoutContradictedFacts(prop, { ...recorded, writeBackDone: true }, NOW.getTime())).toEqual({ ...prop, provisionedWriteBackDone: true });
    // Within the events' clock skew (5 minutes) a later observation is the sender's clock; beyond it, forged.
    const skewed = { vm, lastObservation: observed('2026-11-26T10:04:00Z') };
    expect(withoutContradictedFacts(skewed, recorded, NOW.getTime())).toBe(skewed);
    expect(withoutContradictedFacts({ vm, lastObservation: observed('2099-01-01T00:00:00Z') }, recorded, NOW.getTime())).toEqual({ vm, lastObservation: undefined });
    expect(withoutContradictedFacts({ vm, lastObservation: observed('not a time') }, recorded, NOW.getTime())).toEqual({ vm, lastObservation: undefined });
  });

  it('moves the known VM to the event’s state, and keeps database lines the scheduler does not know', () => {
    expect(vmAfterEvent(event, vm)).toEqual({ ...vm, state: 'stopped' });
    const fromScheduler = { ...vm, state: 'running' as const, connection: { ...vm.connection, databases: [] } };
    expect(vmAfterEvent({ ...event, type: 'vm.running', vm: fromScheduler }, vm)?.connection.databases).toEqual(vm.connection.databases);
  });

  it.each([
    ['the state on record', 'stopped', 'stopped', true],
    ['the settled end of the transition on record', 'stopping', 'stopped', true],
    ['a state nobody announced', 'running', 'stopped', false],
  ] as const)('treats an observation of %s as a confirmation: %s → %s = %s', (_n, onRecord, next, expected) => {
    expect(confirmsRecord(onRecord, next)).toBe(expected);
  });

  it('counts the daily start and stop as routine, never the first start or a failure', () => {
    expect(isRoutineScheduleEvent(event, false)).toBe(true);
    expect(isRoutineScheduleEvent({ ...event, type: 'vm.running' }, true)).toBe(false);
    expect(isRoutineScheduleEvent({ ...event, type: 'vm.start-failed' }, false)).toBe(false);
    expect(isRoutineScheduleEvent({ ...event, cause: 'api' }, false)).toBe(false);
  });

  it('applies a boot outcome once: ready once, the same failed step once, a ready after a failure', () => {
    const ready: LifecycleEvent = { ...event, type: 'vm.ready', cause: 'boot' };
    const failed: LifecycleEvent = { ...event, type: 'vm.boot-failed', cause: 'boot', bootStep: 'packages' };
    expect(bootDecision(ready, { vm: { ...vm, state: 'pending' } })).toEqual({ kind: 'apply', vm: { ...vm, state: 'running' }, boot: { instanceId: vm.id, status: 'ready', at: event.time } });
    expect(bootDecision(ready, { boot: { instanceId: vm.id, status: 'ready', at: event.time } })).toEqual({ kind: 'already-applied' });
    expect(bootDecision(failed, { boot: { instanceId: vm.id, status: 'failed', step: 'packages', at: event.time } })).toEqual({ kind: 'already-applied' });
    expect(bootDecision(ready, { boot: { instanceId: vm.id, status: 'failed', step: 'packages', at: event.time } }).kind).toBe('apply');
  });

  describe('one decision per event', () => {
    const observed = { ...event, cause: 'ec2-event' as const, observedAt: '2026-11-26T09:59:00Z' };
    it.each([
      ['an event of an earlier VM of the issue', event, { vm: { ...vm, id: 'i-0fff12345def67890' } }, { kind: 'previous-instance', liveInstanceId: 'i-0fff12345def67890' }],
      ['an observation older than the one on record', observed, { vm, lastObservation: { instanceId: vm.id, observedAt: '2026-11-26T10:00:00Z', sequence: 0 } }, { kind: 'older' }],
      ['a boot signal already applied', { ...event, type: 'vm.ready' as const, cause: 'boot' as const }, { vm, boot: { instanceId: vm.id, status: 'ready' as const, at: event.time } }, { kind: 'boot-already-applied' }],
      ['EC2 confirming the stop the issue shows', observed, { vm: { ...vm, state: 'stopping' as const } }, expect.objectContaining({ kind: 'state', announce: 'never' })],
      ['the schedule’s daily stop', event, { vm }, expect.objectContaining({ kind: 'state', announce: 'unless-silent', firstRun: false })],
      ['the first running, which writes back once', { ...event, type: 'vm.running' as const, cause: 'api' as const, vm }, { vm: { ...vm, state: 'pending' as const } }, expect.objectContaining({ kind: 'state', announce: 'always', firstRun: true, record: expect.objectContaining({ provisionedWriteBackDone: true }) })],
    ])('%s', (_name, e, prop, expected) => {
      expect(decideLifecycleEvent(e, prop)).toEqual(expected);
    });

    it('records the new state and the observation, and drops a pending request', () => {
      const decision = decideLifecycleEvent(observed, { vm, pending: pending('2026-11-26T09:50:00Z') });
      // A stop nobody announced yet, seen by EC2: news, but routine (the admin may keep it off the comments).
      expect(decision).toMatchObject({ kind: 'state', announce: 'unless-silent', record: { vm: { state: 'stopped' }, pending: undefined, lastObservation: { instanceId: vm.id, observedAt: '2026-11-26T09:59:00Z', sequence: 0 } } });
    });
  });
});
