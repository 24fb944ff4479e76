import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { buildLifecycleEvent, EventPublisher } from '../../../infra-cdk/lambda/shared/events';
import { readUsage, SchedulerStateStore, UnreadableStateError } from '../../../infra-cdk/lambda/shared/scheduler-state';
import { ReconcilerAws, STATE_BUCKET, STATE_KEY } from './stand-in';

const creds = { region: 'eu-west-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' } };

describe('scheduler state object', () => {
  let aws: ReconcilerAws;
  beforeEach(async () => (aws = await ReconcilerAws.start()));
  afterEach(() => aws.close());
  const store = () => new SchedulerStateStore(aws.s3Client(), STATE_BUCKET, STATE_KEY);

  it('starts empty when there is no object, and creates it only if still absent', async () => {
    const snap = await store().read();
    expect(snap).toEqual({ state: { version: 2, instances: {} }, etag: undefined });
    const created = await store().write(snap.state, undefined);
    expect(aws.stateEtag()).toMatch(/^"[0-9a-f]{32}"$/);
    expect(created).toEqual({ ok: true, etag: aws.stateEtag() });
    expect(await store().write(snap.state, undefined)).toEqual({ ok: false, reason: 'conflict' });
  });

  it('rejects a write based on a stale ETag', async () => {
    aws.stateBody = JSON.stringify({ version: 1, instances: {} });
    const snap = await store().read();
    expect((await store().write(snap.state, snap.etag)).ok).toBe(true);
    expect(await store().write(snap.state, snap.etag)).toEqual({ ok: false, reason: 'conflict' });
  });

  it('refuses an unreadable object instead of replacing it with an empty state, and never writes over it', async () => {
    for (const body of [
      JSON.stringify({ version: 1, instances: { 'i-0123456789abcdef0': { firstSeenAt: 'yesterday' } } }),
      JSON.stringify({ version: 3, instances: {} }),
      '{"version": 2, "instances": ',
    ]) {
      aws.stateBody = body;
      const read = store().read();
      await expect(read).rejects.toBeInstanceOf(UnreadableStateError);
      await expect(read).rejects.toThrow(/^s3:\/\/state-bucket\/scheduler\/state\.json: the state object (\(version 1\) does not match its schema|has version 3|is not JSON).*; it is left untouched$/);
      expect(aws.stateBody).toBe(body);
    }
  });

  it('reads a version 1 object as version 2, keeping the month totals, and says it migrated', async () => {
    aws.stateBody = JSON.stringify({
      version: 1,
      instances: { 'i-0123456789abcdef0': { firstSeenAt: '2026-11-01T00:00:00.000Z', lastObservedAt: '2026-11-25T13:00:00.000Z', lastState: 'running', usage: { month: '2026-11', seconds: 36_000 } } },
    });
    const snap = await store().read();
    expect(snap.migratedFrom).toBe(1);
    expect(snap.state).toEqual({
      version: 2,
      instances: { 'i-0123456789abcdef0': { firstSeenAt: '2026-11-01T00:00:00.000Z', lastObservedAt: '2026-11-25T13:00:00.000Z', lastState: 'running', usage: { month: '2026-11', seconds: 36_000 } } },
    });
  });

  it('reads the usage of several VMs from one object for the VM API', async () => {
    aws.stateBody = JSON.stringify({
      version: 1,
      lastRunAt: '2026-11-25T13:00:00.000Z',
      instances: {
        'i-0123456789abcdef0': { firstSeenAt: '2026-11-01T00:00:00.000Z', lastObservedAt: '2026-11-25T13:00:00.000Z', lastState: 'running', usage: { month: '2026-11', seconds: 36_000 } },
      },
    });
    const usage = await readUsage(store(), ['i-0123456789abcdef0', 'i-0fedcba9876543210'], new Date('2026-11-25T13:02:00Z'));
    expect([...usage]).toEqual([['i-0123456789abcdef0', { month: '2026-11', hoursRun: 10, asOf: '2026-11-25T13:00:00.000Z' }]]);
  });
});

describe('lifecycle event publishing', () => {
  const bus = mockClient(EventBridgeClient);
  afterAll(() => bus.restore());
  beforeEach(() => bus.reset());
  const tags = new Map([
    ['JiraIssue', 'OPS-7'],
    ['ClientName', 'acme'],
    ['DeveloperName', 'jdoe'],
  ]);
  const ev = (n: number) => {
    const b = buildLifecycleEvent({ type: 'vm.stopped', instanceId: 'i-0123456789abcdef0', tags, cause: 'schedule', now: new Date('2026-11-25T23:03:00Z'), observedAt: new Date('2026-11-25T23:03:00Z'), sequence: 0 });
    if (!b.ok) throw new Error(b.error);
    return { ...b.event, reason: `n${n}` };
  };

  it('builds contract-valid events and refuses an instance without valid identity tags', () => {
    expect(ev(1)).toMatchObject({ issueKey: 'OPS-7', client: 'acme', developer: 'jdoe', time: '2026-11-25T23:03:00.000Z', state: 'stopped', observedAt: '2026-11-25T23:03:00.000Z', sequence: 0 });
    const bad = buildLifecycleEvent({ type: 'vm.stopped', instanceId: 'i-0123456789abcdef0', tags: new Map([['ClientName', 'Acme Corp']]), cause: 'schedule', now: new Date(), observedAt: new Date(), sequence: 0 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatch(/issueKey/);
  });

  it('sends 25 events 10 per PutEvents call and retries a rejected entry once', async () => {
    let call = 0;
    bus.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => {
      call++;
      // The first call rejects its second entry (throttled); everything else is accepted.
      return {
        FailedEntryCount: call === 1 ? 1 : 0,
        Entries: input.Entries.map((_, k) => (call === 1 && k === 1 ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' } : { EventId: `e${call}-${k}` })),
      };
    });
    const events = Array.from({ length: 25 }, (_, i) => ev(i));
    const r = await new EventPublisher(new EventBridgeClient(creds), 'bus').publish(events);
    expect(r).toEqual({ published: 25, failed: [], calls: 4 });
    const sizes = bus.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length ?? 0);
    expect(sizes.sort((a, b) => a - b)).toEqual([1, 5, 10, 10]); // three batches and one retry of the rejected entry
    const first = bus.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(first).toMatchObject({ Source: 'dev-vm-for-jira', DetailType: 'vm.stopped', EventBusName: 'bus' });
  });

  it('reports entries still rejected after the retry, without failing the other batches', async () => {
    bus.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 1,
      Entries: input.Entries.map((_, k) => (k === 0 ? { ErrorCode: 'InternalFailure', ErrorMessage: 'x' } : { EventId: `e${k}` })),
    }));
    const events = Array.from({ length: 12 }, (_, i) => ev(i));
    const r = await new EventPublisher(new EventBridgeClient(creds), 'bus').publish(events);
    expect(r.failed.map((f) => f.code)).toEqual(['InternalFailure', 'InternalFailure']);
    expect(r.published).toBe(10);
  });
});
