import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { LifecycleEvent } from '../../../src/contract/events';
import { MANAGED_BY } from '../../../src/contract/tags';
import { EventPublisher } from '../../../infra-cdk/lambda/shared/events';
import { SchedulerStateStore } from '../../../infra-cdk/lambda/shared/scheduler-state';
import { toVm } from '../../../infra-cdk/lambda/shared/vm-record';
import { Ec2Gateway } from '../../../infra-cdk/lambda/shared/ec2';
import { runReconciler, withUsage, type ReconcilerDeps } from '../../../infra-cdk/lambda/reconciler/run';
import { BUS, ReconcilerAws, STATE_BUCKET, STATE_KEY } from './stand-in';

/**
 * What one reconciler run publishes (issue 12, items 8 and 9): every event reports the state it
 * announces and when it was observed; a run never publishes a state it superseded itself; a VM
 * terminated outside the scheduler is announced.
 */

const OFFICE = { AutoStart: '08:00', AutoStop: '18:00', Timezone: 'America/New_York', AutoDays: 'MON-FRI' };
let aws: ReconcilerAws;

beforeEach(async () => {
  aws = await ReconcilerAws.start();
});
afterEach(() => aws.close());

function deps(): ReconcilerDeps {
  const quiet = () => undefined;
  return {
    fleet: new Ec2Gateway(aws.ec2Client(), MANAGED_BY),
    state: new SchedulerStateStore(aws.s3Client(), STATE_BUCKET, STATE_KEY),
    events: new EventPublisher(aws.eventsClient(), BUS),
    log: { info: quiet, warn: quiet, error: quiet },
    metrics: { count: quiet, milliseconds: quiet },
    options: { intervalMinutes: 5, idleDays: 30, idleWarningDays: 3 },
    toVm: withUsage((instance, usage) => toVm(instance, { region: 'eu-west-1', secretPrefix: 'dev-vm/', databases: {}, ...(usage ? { usage } : {}) })),
  };
}

async function run(now: string) {
  aws.at(now);
  return runReconciler(deps(), new Date(now));
}

describe('lifecycle events of one run', () => {
  it('a run that confirms a pending start and passes the stop boundary publishes vm.stopped only, reporting stopped', async () => {
    const id = aws.add(1, 'stopped', OFFICE);
    aws.stateBody = JSON.stringify({ version: 1, lastRunAt: '2026-11-25T12:58:00Z', instances: {} });
    await run('2026-11-25T13:03:00Z'); // 08:03 EST: starts it
    aws.settle(); // EC2 brings it up; the next runs are missed until after 18:00 EST
    await run('2026-11-25T23:05:00Z');
    const events = aws.details();
    expect(events.map((e) => e.type)).toEqual(['vm.stopped']);
    expect(events[0]).toMatchObject({ instanceId: id, state: 'stopped', observedAt: '2026-11-25T23:05:00.000Z', sequence: 0, vm: { state: 'stopped' } });
    for (const e of events) expect(LifecycleEvent.safeParse(e).success).toBe(true);
  });

  it('announces a VM terminated through the API (not by the scheduler) on the next run, once', async () => {
    const id = aws.add(1, 'running', OFFICE);
    aws.stateBody = JSON.stringify({ version: 1, lastRunAt: '2026-11-25T14:55:00Z', instances: {} });
    await run('2026-11-25T15:00:00Z');
    expect(aws.details()).toEqual([]);
    // POST /vms/{id}/terminate, and EC2 finished it between runs.
    await aws.ec2Client().send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    aws.settle();
    expect(aws.instance(id)?.state).toBe('terminated');
    await run('2026-11-25T15:05:00Z');
    await run('2026-11-25T15:10:00Z');
    expect(aws.details().map((e) => [e.type, e.cause, e.instanceId, e.state])).toEqual([['vm.terminated', 'ec2', id, 'terminated']]);
  });
});
