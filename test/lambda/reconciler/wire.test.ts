import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { MANAGED_BY } from '../../../src/contract/tags';
import { Ec2Gateway } from '../../../infra-cdk/lambda/shared/ec2';
import { runReconciler, type ReconcilerDeps } from '../../../infra-cdk/lambda/reconciler/run';
import { EventPublisher } from '../../../infra-cdk/lambda/shared/events';
import { SchedulerStateStore } from '../../../infra-cdk/lambda/shared/scheduler-state';
import { startAwsStandIn, type AwsStandIn } from '../../../local/aws';

/**
 * The reconciler with its real SDK clients against the wire-protocol AWS stand-in: query-protocol
 * DescribeInstances paging, StartInstances errors as EC2 encodes them, S3 conditional headers,
 * PutEvents over JSON. Wednesday 25 Nov 2026, 08:00 EST = 13:00Z.
 */
const AFTER_START = Date.parse('2026-11-25T13:03:00Z');
const OFFICE = {
  ManagedBy: MANAGED_BY,
  JiraIssue: 'OPS-9',
  ClientName: 'acme',
  DeveloperName: 'jdoe',
  DevVmOs: 'al2023',
  CreatedAt: '2026-11-01T00:00:00Z',
  AutoStart: '08:00',
  AutoStop: '18:00',
  Timezone: 'America/New_York',
};

let aws: AwsStandIn;
let clients: { ec2: EC2Client; s3: S3Client; bus: EventBridgeClient };

beforeAll(async () => {
  aws = await startAwsStandIn({ transitionSeconds: 0, clock: () => AFTER_START });
  const cfg = { ...aws.clientConfig(), maxAttempts: 1 };
  clients = { ec2: new EC2Client(cfg), s3: new S3Client({ ...cfg, forcePathStyle: true }), bus: new EventBridgeClient(cfg) };
});
afterAll(async () => {
  clients.ec2.destroy();
  clients.s3.destroy();
  clients.bus.destroy();
  await aws.close();
});

const deps = (): ReconcilerDeps => ({
  fleet: new Ec2Gateway(clients.ec2, MANAGED_BY),
  state: new SchedulerStateStore(clients.s3, 'dev-vm-state', 'scheduler/state.json'),
  events: new EventPublisher(clients.bus, 'dev-vm-bus'),
  log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  metrics: { count: () => undefined, milliseconds: () => undefined },
  options: { intervalMinutes: 5, idleDays: 30, idleWarningDays: 3 },
});

it('starts 1,200 VMs over the wire in two batches, isolates a capacity failure, and retries it on the next run', async () => {
  const ids = aws.seedInstances({ count: 1200, state: 'stopped', tags: OFFICE, launchTime: Date.parse('2026-11-24T13:00:00Z') });
  aws.seedInstances({ count: 3, state: 'stopped', tags: { ...OFFICE, ManagedBy: 'someone-else' } });
  const unlucky = ids[700]!;
  const capacity = aws.injectFault({ kind: 'insufficient-capacity', instanceId: unlucky });
  const store = new SchedulerStateStore(clients.s3, 'dev-vm-state', 'scheduler/state.json');
  await store.write({ version: 2, lastRunAt: '2026-11-25T12:58:00.000Z', instances: {} }, undefined);

  const first = await runReconciler(deps(), new Date(AFTER_START));
  expect(first.seen).toBe(1200);
  expect(first.started).toBe(1199);
  expect(first.detail.failed[unlucky]).toMatch(/^start failed: InsufficientInstanceCapacity/);
  const startFailed = aws.state.events.filter((e) => e.detailType === 'vm.start-failed');
  expect(startFailed.map((e) => e.detail.instanceId)).toEqual([unlucky]);
  expect(String(startFailed[0]?.detail.reason)).toMatch(/retrying on the next run/);

  capacity.clear();
  aws.advance(5 * 60_000);
  aws.settle();
  const second = await runReconciler(deps(), new Date(AFTER_START + 5 * 60_000));
  expect(Object.keys(second.detail.started)).toEqual([unlucky]);
  expect(aws.state.events.filter((e) => e.detailType === 'vm.running')).toHaveLength(1199);
  // 2 describe pages + the start call of the retry; the first run's calls are not counted here.
  expect(second.ec2Calls).toBe(3);
});
