import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { LifecycleEvent } from '../../../src/contract/events';
import { MANAGED_BY } from '../../../src/contract/tags';
import { EventPublisher } from '../../../infra-cdk/lambda/shared/events';
import { SchedulerStateStore } from '../../../infra-cdk/lambda/shared/scheduler-state';
import { toVm } from '../../../infra-cdk/lambda/shared/vm-record';
import { Ec2Gateway } from '../../../infra-cdk/lambda/shared/ec2';
import { runReconciler, withUsage, type ReconcilerDeps } from '../../../infra-cdk/lambda/reconciler/run';
import { FakeEc2, FakeEventBridge, FakeS3 } from './fake-aws';

/**
 * What one reconciler run publishes (issue 12, items 8 and 9): every event reports the state it
 * announces and when it was observed; a run never publishes a state it superseded itself; a VM
 * terminated outside the scheduler is announced.
 */

const OFFICE = { AutoStart: '08:00', AutoStop: '18:00', Timezone: 'America/New_York', AutoDays: 'MON-FRI' };
let ec2: FakeEc2;
let s3: FakeS3;
let bus: FakeEventBridge;

beforeEach(() => {
  ec2 = new FakeEc2();
  s3 = new FakeS3();
  bus = new FakeEventBridge();
});
afterEach(() => {
  ec2.mock.restore();
  s3.mock.restore();
  bus.mock.restore();
});

function deps(): ReconcilerDeps {
  const region = { region: 'eu-west-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } };
  const quiet = () => undefined;
  return {
    fleet: new Ec2Gateway(new EC2Client(region), MANAGED_BY),
    state: new SchedulerStateStore(new S3Client(region), 'state-bucket', 'scheduler/state.json'),
    events: new EventPublisher(new EventBridgeClient(region), 'dev-vm-bus'),
    log: { info: quiet, warn: quiet, error: quiet },
    metrics: { count: quiet, milliseconds: quiet },
    options: { intervalMinutes: 5, idleDays: 30, idleWarningDays: 3 },
    toVm: withUsage((instance, usage) => toVm(instance, { region: 'eu-west-1', secretPrefix: 'dev-vm/', databases: {}, ...(usage ? { usage } : {}) })),
  };
}

async function run(now: string) {
  ec2.clock = new Date(now);
  return runReconciler(deps(), new Date(now));
}

describe('lifecycle events of one run', () => {
  it('a run that confirms a pending start and passes the stop boundary publishes vm.stopped only, reporting stopped', async () => {
    const id = ec2.add(1, 'stopped', OFFICE);
    s3.body = JSON.stringify({ version: 1, lastRunAt: '2026-11-25T12:58:00Z', instances: {} });
    await run('2026-11-25T13:03:00Z'); // 08:03 EST: starts it
    ec2.settle(); // EC2 brings it up; the next runs are missed until after 18:00 EST
    await run('2026-11-25T23:05:00Z');
    const events = bus.details();
    expect(events.map((e) => e.type)).toEqual(['vm.stopped']);
    expect(events[0]).toMatchObject({ instanceId: id, state: 'stopped', observedAt: '2026-11-25T23:05:00.000Z', sequence: 0, vm: { state: 'stopped' } });
    for (const e of events) expect(LifecycleEvent.safeParse(e).success).toBe(true);
  });

  it('announces a VM terminated through the API (not by the scheduler) on the next run, once', async () => {
    const id = ec2.add(1, 'running', OFFICE);
    s3.body = JSON.stringify({ version: 1, lastRunAt: '2026-11-25T14:55:00Z', instances: {} });
    await run('2026-11-25T15:00:00Z');
    expect(bus.details()).toEqual([]);
    ec2.instances.get(id)!.state = 'terminated'; // POST /vms/{id}/terminate, and EC2 finished it between runs
    await run('2026-11-25T15:05:00Z');
    await run('2026-11-25T15:10:00Z');
    expect(bus.details().map((e) => [e.type, e.cause, e.instanceId, e.state])).toEqual([['vm.terminated', 'ec2', id, 'terminated']]);
  });
});
