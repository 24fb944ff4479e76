import { LifecycleEvent } from '../../../src/contract/events';
import { MANAGED_BY } from '../../../src/contract/tags';
import { SchedulerState } from '../../../src/domain/scheduler-state';
import { EventPublisher } from '../../../infra-cdk/lambda/shared/events';
import { SchedulerStateStore } from '../../../infra-cdk/lambda/shared/scheduler-state';
import { toVm } from '../../../infra-cdk/lambda/shared/vm-record';
import { Ec2Gateway } from '../../../infra-cdk/lambda/shared/ec2';
import { runReconciler, withUsage, type ReconcilerDeps } from '../../../infra-cdk/lambda/reconciler/run';
import { BUS, instanceId, ReconcilerAws, STATE_BUCKET, STATE_KEY } from './stand-in';

const OFFICE = { AutoStart: '08:00', AutoStop: '18:00', Timezone: 'America/New_York', AutoDays: 'MON-FRI' };
// Wednesday 25 Nov 2026: 08:00 EST = 13:00Z, 18:00 EST = 23:00Z.
const BEFORE_START = '2026-11-25T12:58:00Z';
const AFTER_START = '2026-11-25T13:03:00Z';
const BEFORE_STOP = '2026-11-25T22:58:00Z';
const AFTER_STOP = '2026-11-25T23:03:00Z';

let aws: ReconcilerAws;
let logs: { level: string; message: string; extra?: Record<string, unknown> }[];
let metrics: Map<string, number>;

beforeEach(async () => {
  aws = await ReconcilerAws.start();
  logs = [];
  metrics = new Map();
});
afterEach(() => aws.close());

function deps(over: Partial<ReconcilerDeps> = {}): ReconcilerDeps {
  return {
    fleet: new Ec2Gateway(aws.ec2Client(), MANAGED_BY),
    state: new SchedulerStateStore(aws.s3Client(), STATE_BUCKET, STATE_KEY),
    events: new EventPublisher(aws.eventsClient(), BUS),
    log: {
      info: (message, extra) => logs.push({ level: 'info', message, ...(extra ? { extra } : {}) }),
      warn: (message, extra) => logs.push({ level: 'warn', message, ...(extra ? { extra } : {}) }),
      error: (message, extra) => logs.push({ level: 'error', message, ...(extra ? { extra } : {}) }),
    },
    metrics: { count: (n, v) => metrics.set(n, v), milliseconds: (n, v) => metrics.set(n, v) },
    options: { intervalMinutes: 5, idleDays: 30, idleWarningDays: 3 },
    ...over,
  };
}

/** A state object as a previous run at `at` would have left it. */
function seedState(at: string): void {
  aws.stateBody = JSON.stringify({ version: 1, lastRunAt: at, instances: {} });
}

async function run(now: string, over: Partial<ReconcilerDeps> = {}) {
  aws.at(now);
  return runReconciler(deps(over), new Date(now));
}

describe('reconciler against an EC2 stand-in', () => {
  it('lists the fleet with one paginated DescribeInstances, following every NextToken, 1000 per page', async () => {
    aws.at(AFTER_START);
    for (let i = 0; i < 2500; i++) aws.add(i, 'running', OFFICE);
    aws.add(9999, 'terminated', OFFICE); // listed too (EC2 shows it about an hour): announced if it was seen alive
    seedState(BEFORE_START);
    const summary = await run(AFTER_START);
    expect(summary.seen).toBe(2501);
    const describes = aws.calls.filter((c) => c.command === 'DescribeInstances');
    expect(describes).toHaveLength(3);
    expect(describes.map((c) => (c.input as { MaxResults?: number }).MaxResults)).toEqual([1000, 1000, 1000]);
  });

  it('stops 2,500 VMs with three StopInstances calls and publishes their events 10 per PutEvents', async () => {
    for (let i = 0; i < 2500; i++) aws.add(i, 'running', OFFICE);
    seedState(BEFORE_STOP);
    const summary = await run(AFTER_STOP);
    expect(summary.stopped).toBe(2500);
    expect(aws.calls.filter((c) => c.command === 'StopInstances').map((c) => c.ids.length)).toEqual([1000, 1000, 500]);
    expect(aws.putEventsCalls()).toBe(250);
    expect(aws.details().every((d) => d.type === 'vm.stopped' && d.cause === 'schedule')).toBe(true);
    expect(summary.ec2Calls).toBe(3 + 3);
  });

  it('isolates a poisoned id by bisection: the other 999 start, the bad one is reported', async () => {
    for (let i = 0; i < 1000; i++) aws.add(i, 'stopped', OFFICE);
    const bad = instanceId(617);
    aws.refuse('StartInstances', bad, 'UnauthorizedOperation', 403);
    seedState(BEFORE_START);
    const summary = await run(AFTER_START);
    expect(summary.started).toBe(999);
    expect(summary.failed).toBe(1);
    expect(summary.detail.failed[bad]).toMatch(/^start failed: UnauthorizedOperation/);
    expect(aws.instance(bad)?.state).toBe('stopped');
    expect(aws.instances().filter((i) => i.state === 'pending')).toHaveLength(999);
    // 1 failed call of 1000, then two halves per level down to the single id: 1 + 2·10.
    expect(aws.count('StartInstances')).toBeLessThanOrEqual(21);
    const failedEvent = aws.details().find((d) => d.instanceId === bad);
    expect(failedEvent).toMatchObject({ type: 'vm.start-failed', cause: 'schedule' });
  });

  it('survives a partial failure: a stop that fails is retried on the next run, the rest are stopped once', async () => {
    const ok = aws.add(1, 'running', OFFICE);
    const stuck = aws.add(2, 'running', OFFICE);
    const refusal = aws.refuse('StopInstances', stuck, 'IncorrectInstanceState');
    seedState(BEFORE_STOP);
    const first = await run(AFTER_STOP);
    expect(first.stopped).toBe(1);
    expect(first.detail.failed[stuck]).toMatch(/IncorrectInstanceState/);
    const state = SchedulerState.parse(JSON.parse(aws.stateBody!));
    expect(state.instances[stuck]?.owed).toMatchObject({ kind: 'stop', attempts: 1 });
    expect(aws.puts.map((p) => p.ok)).toEqual([true, true]); // commit, then the outcomes

    aws.settle();
    expect(aws.instance(ok)?.state).toBe('stopped');
    refusal.clear();
    const callsBefore = aws.calls.length;
    const second = await run('2026-11-25T23:08:00Z');
    expect(Object.keys(second.detail.stopped)).toEqual([stuck]);
    expect(aws.calls.slice(callsBefore).filter((c) => c.command === 'StopInstances')).toEqual([{ command: 'StopInstances', ids: [stuck] }]);
  });

  it('lets only one of two overlapping runs act: the conditional write loser does nothing', async () => {
    for (let i = 0; i < 10; i++) aws.add(i, 'running', OFFICE);
    seedState(BEFORE_STOP);
    aws.readBarrier = 2; // both runs read the same state before either writes
    aws.at(AFTER_STOP);
    const [a, b] = await Promise.all([runReconciler(deps(), new Date(AFTER_STOP)), runReconciler(deps(), new Date('2026-11-25T23:03:01Z'))]);
    expect([a.committed, b.committed].sort()).toEqual([false, true]);
    expect(a.stopped + b.stopped).toBe(10);
    expect(aws.count('StopInstances')).toBe(1);
    expect(aws.details()).toHaveLength(10);
    expect(aws.puts.filter((p) => !p.ok)).toHaveLength(1);
    expect(logs.some((l) => l.level === 'warn' && /another reconciler run committed first/.test(l.message))).toBe(true);
  });

  it('uses If-None-Match for the very first state object and If-Match afterwards', async () => {
    aws.add(1, 'stopped', OFFICE);
    await run(AFTER_START);
    const created = aws.stateEtag();
    await run('2026-11-25T13:08:00Z');
    expect(aws.puts[0]).toEqual({ ifNoneMatch: '*', ok: true });
    expect(created).toMatch(/^"[0-9a-f]{32}"$/);
    expect(aws.puts[1]).toEqual({ ifMatch: created, ok: true });
  });

  it('verifies starts on the next run: vm.running (with the VM record) when it came up, vm.start-failed with the EC2 reason when it fell back', async () => {
    const good = aws.add(1, 'stopped', OFFICE);
    const kms = aws.add(2, 'stopped', OFFICE);
    aws.aws.injectFault({ kind: 'start-falls-back', instanceId: kms, reason: { code: 'Client.InternalError', message: 'Client.InternalError: Client error on launch' } });
    seedState(BEFORE_START);
    const vmDeps = {
      toVm: withUsage((instance, usage) => toVm(instance, { region: 'eu-west-1', secretPrefix: 'dev-vm/', databases: {}, ...(usage ? { usage } : {}) })),
    };
    const first = await run(AFTER_START, vmDeps);
    expect(first.started).toBe(2);
    expect(aws.details()).toEqual([]); // nothing is "running" until it is seen running
    aws.settle();
    await run('2026-11-25T13:08:00Z', vmDeps);
    const events = aws.details();
    expect(events.map((e) => [e.instanceId, e.type, e.cause])).toEqual([
      [good, 'vm.running', 'schedule'],
      [kms, 'vm.start-failed', 'ec2'],
    ]);
    expect(events[1]?.reason).toContain('Client.InternalError: Client error on launch');
    for (const e of events) expect(LifecycleEvent.safeParse(e).success).toBe(true);
    expect(events[0]?.vm).toMatchObject({ id: good, state: 'running', usage: { month: '2026-11' } });
  });

  it('retries a start that hit InsufficientInstanceCapacity on the next run and reports it', async () => {
    const id = aws.add(1, 'stopped', OFFICE);
    const noCapacity = aws.aws.injectFault({ kind: 'insufficient-capacity', instanceId: id });
    seedState(BEFORE_START);
    const first = await run(AFTER_START);
    expect(first.failed).toBe(1);
    expect(aws.details()[0]).toMatchObject({ type: 'vm.start-failed', instanceId: id });
    expect(aws.details()[0]?.reason).toMatch(/InsufficientInstanceCapacity.*retrying on the next run \(attempt 1\)/);

    noCapacity.clear();
    const second = await run('2026-11-25T13:08:00Z');
    expect(Object.keys(second.detail.started)).toEqual([id]);
    expect(second.detail.started[id]).toMatch(/retry 2$/);
    expect(aws.instance(id)?.state).toBe('pending');
  });

  it('writes one CreateTags per distinct ScheduleError value and never acts on those VMs', async () => {
    for (let i = 0; i < 3; i++) aws.add(i, 'stopped', { ...OFFICE, AutoStart: '8am' });
    aws.add(3, 'stopped', { ...OFFICE, Timezone: 'Mars/Base' });
    seedState(BEFORE_START);
    const summary = await run(AFTER_START);
    expect(summary.started).toBe(0);
    expect(summary.scheduleErrors).toBe(4);
    const tagCalls = aws.calls.filter((c) => c.command === 'CreateTags');
    expect(tagCalls.map((c) => c.ids.length).sort()).toEqual([1, 3]);
    expect(aws.instance(instanceId(0))?.tags.get('ScheduleError')).toBe('AutoStart=8am must be a 24-hour time HH:MM such as 08:30');
    expect(aws.count('StartInstances')).toBe(0);
  });

  it('terminates an idle VM after its warning (termination only) and announces both', async () => {
    const id = aws.add(1, 'stopped', { AutoStop: '18:00', CreatedAt: '2026-09-01T00:00:00Z' }, '2026-09-01T00:00:00Z');
    aws.stateBody = JSON.stringify({
      version: 1,
      lastRunAt: '2026-10-28T11:55:00Z',
      instances: { [id]: { firstSeenAt: '2026-09-01T00:00:00Z', lastObservedAt: '2026-10-28T11:55:00Z', lastState: 'stopped', lastSeenRunning: '2026-10-01T12:00:00Z' } },
    });
    await run('2026-10-28T12:00:00Z');
    expect(aws.details()[0]).toMatchObject({ type: 'vm.idle-warning', cause: 'idle-reaper', terminateAt: '2026-10-31T12:00:00.000Z' });
    aws.stateBody = JSON.stringify({ ...JSON.parse(aws.stateBody!), lastRunAt: '2026-10-31T11:55:00Z' });
    const summary = await run('2026-10-31T12:00:00Z');
    expect(summary.terminated).toBe(1);
    expect(aws.calls.filter((c) => c.command === 'TerminateInstances')).toEqual([{ command: 'TerminateInstances', ids: [id] }]);
    expect(aws.details()[1]).toMatchObject({ type: 'vm.terminated', cause: 'idle-reaper', instanceId: id });
  });

  it('logs one summary line and emits the run metrics', async () => {
    aws.add(1, 'running', OFFICE);
    aws.add(2, 'running', { ...OFFICE, KeepRunningUntil: '2026-11-26T02:00:00Z' });
    seedState(BEFORE_STOP);
    await run(AFTER_STOP);
    const lines = logs.filter((l) => l.message === 'reconcile run');
    expect(lines).toHaveLength(1);
    expect(lines[0]?.extra).toMatchObject({ committed: true, seen: 2, stopped: 1, skipped: 1, failed: 0 });
    for (const name of ['Seen', 'Started', 'Stopped', 'Skipped', 'Failed', 'Duration']) expect(metrics.has(name)).toBe(true);
    expect(metrics.get('Seen')).toBe(2);
    expect(metrics.get('Stopped')).toBe(1);
  });
});

describe('activity (issue 13)', () => {
  const MIDDAY = '2026-11-25T17:00:00Z';
  const measured = (busy: boolean, lastActiveAt?: string) => ({
    counts: { describeSessionsPages: 2, getMetricData: 1 },
    measure: async (vms: readonly { id: string }[]) => new Map(vms.map((v) => [v.id, { busy, ...(lastActiveAt ? { lastActiveAt: new Date(lastActiveAt) } : {}) }])),
  });

  it('stops a running VM idle past idleStopMinutes, with cause idle-stop in its event, and counts the activity calls', async () => {
    const vmId = aws.add(1, 'running', OFFICE);
    aws.stateBody = JSON.stringify({ version: 1, lastRunAt: '2026-11-25T16:55:00Z', instances: { [vmId]: { firstSeenAt: '2026-11-01T00:00:00Z', lastObservedAt: '2026-11-25T16:55:00Z', lastState: 'running', lastActivityAt: '2026-11-25T15:00:00Z' } } });
    const summary = await run(MIDDAY, { activity: measured(false), options: { intervalMinutes: 5, idleDays: 30, idleWarningDays: 3, idleStopMinutes: 60 } });
    expect(summary).toMatchObject({ stopped: 1, idleStopped: 1, activityMeasured: true, ssmCalls: 2, cloudWatchCalls: 1 });
    expect(summary.detail.stopped[vmId]).toMatch(/^idle for 120 minutes/);
    expect(aws.details().find((d) => d.type === 'vm.stopped')).toMatchObject({ cause: 'idle-stop' });
  });

  it('a run that cannot measure activity (AccessDenied) warns and idle-stops nobody', async () => {
    const vmId = aws.add(1, 'running', OFFICE);
    aws.stateBody = JSON.stringify({ version: 1, lastRunAt: '2026-11-25T16:55:00Z', instances: { [vmId]: { firstSeenAt: '2026-11-01T00:00:00Z', lastObservedAt: '2026-11-25T16:55:00Z', lastState: 'running', lastActivityAt: '2026-11-25T09:00:00Z' } } });
    const failing = {
      counts: { describeSessionsPages: 0, getMetricData: 0 },
      measure: async () => {
        throw Object.assign(new Error('not authorized to perform: ssm:DescribeSessions'), { name: 'AccessDeniedException' });
      },
    };
    const summary = await run(MIDDAY, { activity: failing, options: { intervalMinutes: 5, idleDays: 30, idleWarningDays: 3, idleStopMinutes: 60 } });
    expect(summary).toMatchObject({ stopped: 0, activityMeasured: false });
    expect(logs.find((l) => l.level === 'warn' && l.message.startsWith('activity not measured'))?.extra).toEqual({ code: 'AccessDeniedException' });
    expect(metrics.get('ActivityUnmeasured')).toBe(1);
  });

  it('defers the 18:00 stop of a busy VM and counts it by kind', async () => {
    aws.add(1, 'running', OFFICE);
    seedState(BEFORE_STOP);
    const summary = await run(AFTER_STOP, { activity: measured(true, AFTER_STOP), options: { intervalMinutes: 5, idleDays: 30, idleWarningDays: 3, idleStopMinutes: 60 } });
    expect(summary).toMatchObject({ stopped: 0, stopsDeferred: 1 });
  });

  it('shows the deferral on the instance (DevVmStopDeferredUntil) and in the vm.stop-deferred event, removed once stopped', async () => {
    const id = aws.add(1, 'running', OFFICE);
    seedState(BEFORE_STOP);
    const busySession = { counts: { describeSessionsPages: 2, getMetricData: 1 }, measure: async (vms: readonly { id: string }[]) => new Map(vms.map((v) => [v.id, { busy: true, busyBy: ['session' as const], lastActiveAt: new Date(AFTER_STOP) }])) };
    const vmDeps = { toVm: withUsage((instance, usage) => toVm(instance, { region: 'eu-west-1', secretPrefix: 'dev-vm/', databases: {}, ...(usage ? { usage } : {}) })) };
    await run(AFTER_STOP, { ...vmDeps, activity: busySession });
    // 18:00 EST = 23:00Z; the first 30-minute step ends 23:30Z.
    expect(aws.instance(id)?.tags.get('DevVmStopDeferredUntil')).toBe('2026-11-25T23:30:00.000Z session');
    const [announced] = aws.details().filter((e) => e.type === 'vm.stop-deferred');
    expect(announced).toMatchObject({ instanceId: id, cause: 'schedule', deferredUntil: '2026-11-25T23:30:00.000Z', busy: ['session'], vm: { stopDeferred: { until: '2026-11-25T23:30:00.000Z', busy: ['session'] } } });
    expect(LifecycleEvent.safeParse(announced).success).toBe(true);
    await run('2026-11-25T23:33:00Z', { ...vmDeps, activity: measured(false, AFTER_STOP) });
    expect(aws.instance(id)?.state).toBe('stopping');
    expect(aws.instance(id)?.tags.has('DevVmStopDeferredUntil')).toBe(false);
  });
});

describe('boot deadline (issue 13)', () => {
  it('reports a VM whose first boot is still on a step 30 minutes after launch: vm.boot-failed naming the step, once, counted by kind', async () => {
    const id = aws.add(1, 'running', { ...OFFICE, CreatedAt: '2026-11-25T16:25:00Z', DevVmBootStatus: 'step:home' });
    const ready = aws.add(2, 'running', { ...OFFICE, CreatedAt: '2026-11-25T16:25:00Z', DevVmBootStatus: 'ready' });
    seedState('2026-11-25T16:50:00Z');
    const summary = await run('2026-11-25T16:55:00Z');
    expect(summary.bootsTimedOut).toBe(1);
    expect(metrics.get('BootsTimedOut')).toBe(1);
    expect(summary.detail.failed[id]).toBe('no ready signal within 30 minutes of launch (still mounting the home directory from EFS)');
    const events = aws.details().filter((e) => e.type === 'vm.boot-failed');
    expect(events).toEqual([expect.objectContaining({ instanceId: id, cause: 'boot', bootStep: 'home', bootTimedOutMinutes: 30 })]);
    expect(events.every((e) => e.instanceId !== ready)).toBe(true);
    for (const e of events) expect(LifecycleEvent.safeParse(e).success).toBe(true);
    const again = await run('2026-11-25T17:00:00Z');
    expect(again.bootsTimedOut).toBe(0);
  });

  it('a boot deadline passing on a stopped VM carries no VM record claiming it runs', async () => {
    const id = aws.add(1, 'stopped', { ...OFFICE, CreatedAt: '2026-11-25T16:25:00Z', DevVmBootStatus: 'step:packages' });
    seedState('2026-11-25T16:50:00Z');
    const vmDeps = { toVm: withUsage((instance, usage) => toVm(instance, { region: 'eu-west-1', secretPrefix: 'dev-vm/', databases: {}, ...(usage ? { usage } : {}) })) };
    await run('2026-11-25T16:55:00Z', vmDeps);
    const [event] = aws.details().filter((e) => e.type === 'vm.boot-failed');
    expect(event).toMatchObject({ instanceId: id, bootStep: 'packages' });
    expect(event).not.toHaveProperty('vm');
  });
});
