import { CloudWatchClient, GetMetricDataCommand, paginateGetMetricData, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { startAwsStandIn, type AwsStandIn } from '../../local/aws';
import { ActivityProbe } from '../../infra-cdk/lambda/reconciler/activity-probe';
import { SSMClient } from '@aws-sdk/client-ssm';

/**
 * CloudWatch GetMetricData in the AWS stand-in, through SDK v3's own CloudWatchClient (awsJson1_0):
 * the documented response shape (MetricDataResults with Id, Label, Timestamps, Values, StatusCode;
 * NextToken while MaxDatapoints cuts the data), its validation errors as modeled exceptions, and the
 * reconciler's activity probe reading sustained CPU from it.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 */

let aws: AwsStandIn;
let cw: CloudWatchClient;
const NOW = Date.parse('2026-11-25T15:00:00Z');
const cpuQuery = (id: string, instanceId: string): MetricDataQuery => ({
  Id: id,
  MetricStat: { Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: instanceId }] }, Period: 300, Stat: 'Average' },
  ReturnData: true,
});

beforeAll(async () => {
  aws = await startAwsStandIn({ transitionSeconds: 0 });
  cw = new CloudWatchClient({ ...aws.clientConfig(), maxAttempts: 1 });
  // i-busy: 60 % for the last 30 minutes (one sample a minute); i-idle: 2 %.
  for (let m = 1; m <= 30; m++) {
    const at = NOW - m * 60_000;
    aws.state.cpuSamples.set('i-0b0b0b0b0b0b0b0b0', [...(aws.state.cpuSamples.get('i-0b0b0b0b0b0b0b0b0') ?? []), { at, value: 60 }]);
    aws.state.cpuSamples.set('i-0a0a0a0a0a0a0a0a0', [...(aws.state.cpuSamples.get('i-0a0a0a0a0a0a0a0a0') ?? []), { at, value: m % 2 ? 1 : 3 }]);
  }
});
afterAll(async () => {
  cw.destroy();
  await aws.close();
});

test('averages CPUUtilization per period, newest first, for each query', async () => {
  const res = await cw.send(
    new GetMetricDataCommand({ MetricDataQueries: [cpuQuery('busy', 'i-0b0b0b0b0b0b0b0b0'), cpuQuery('idle', 'i-0a0a0a0a0a0a0a0a0'), cpuQuery('none', 'i-0c0c0c0c0c0c0c0c0')], StartTime: new Date(NOW - 20 * 60_000), EndTime: new Date(NOW) }),
  );
  expect(res.NextToken).toBeUndefined();
  const [busy, idle, none] = res.MetricDataResults ?? [];
  expect(busy).toMatchObject({ Id: 'busy', Label: 'CPUUtilization', StatusCode: 'Complete' });
  expect(busy?.Timestamps?.map((t) => t.toISOString())).toEqual(['2026-11-25T14:55:00.000Z', '2026-11-25T14:50:00.000Z', '2026-11-25T14:45:00.000Z', '2026-11-25T14:40:00.000Z']);
  expect(busy?.Values).toEqual([60, 60, 60, 60]);
  expect(idle?.Values?.every((v) => v >= 1 && v <= 3)).toBe(true);
  expect(none).toMatchObject({ Id: 'none', Timestamps: [], Values: [], StatusCode: 'Complete' });
});

test('MaxDatapoints cuts the answer: PartialData and a NextToken the paginator follows', async () => {
  const input = { MetricDataQueries: [cpuQuery('busy', 'i-0b0b0b0b0b0b0b0b0'), cpuQuery('idle', 'i-0a0a0a0a0a0a0a0a0')], StartTime: new Date(NOW - 30 * 60_000), EndTime: new Date(NOW), MaxDatapoints: 4 };
  const first = await cw.send(new GetMetricDataCommand(input));
  expect(first.NextToken).toBeDefined();
  expect(first.MetricDataResults?.[0]).toMatchObject({ Id: 'busy', StatusCode: 'PartialData' });
  let points = 0;
  let pages = 0;
  for await (const page of paginateGetMetricData({ client: cw }, input)) {
    pages++;
    for (const r of page.MetricDataResults ?? []) points += r.Values?.length ?? 0;
  }
  expect(points).toBe(12); // 6 five-minute periods × 2 instances
  expect(pages).toBe(3);
});

test('rejects what CloudWatch rejects, with its query-compatible codes and the modeled InvalidNextToken', async () => {
  await expect(cw.send(new GetMetricDataCommand({ MetricDataQueries: [cpuQuery('a', 'i-0b0b0b0b0b0b0b0b0')], StartTime: new Date(NOW - 60_000), EndTime: new Date(NOW), NextToken: 'not-a-token' }))).rejects.toMatchObject({ name: 'InvalidNextToken' });
  await expect(cw.send(new GetMetricDataCommand({ MetricDataQueries: [], StartTime: new Date(NOW - 60_000), EndTime: new Date(NOW) }))).rejects.toMatchObject({ Code: 'ValidationError', $fault: 'client' });
  await expect(cw.send(new GetMetricDataCommand({ MetricDataQueries: [cpuQuery('Bad-Id', 'i-0b0b0b0b0b0b0b0b0')], StartTime: new Date(NOW - 60_000), EndTime: new Date(NOW) }))).rejects.toMatchObject({ Code: 'ValidationError', $fault: 'client' });
  await expect(cw.send(new GetMetricDataCommand({ MetricDataQueries: [cpuQuery('a', 'i-0b0b0b0b0b0b0b0b0')], StartTime: new Date(NOW), EndTime: new Date(NOW - 60_000) }))).rejects.toMatchObject({ Code: 'ValidationError', $fault: 'client' });
});

test("the reconciler's activity probe finds sustained CPU through it", async () => {
  const ssm = new SSMClient({ ...aws.clientConfig(), maxAttempts: 1 });
  const probe = new ActivityProbe(ssm, cw, { cpuPercent: 10, cpuSustainMinutes: 15, periodMinutes: 5, historyHours: 24 });
  const activity = await probe.measure(
    [
      { id: 'i-0b0b0b0b0b0b0b0b0', running: true },
      { id: 'i-0a0a0a0a0a0a0a0a0', running: true },
    ],
    new Date(NOW),
  );
  ssm.destroy();
  expect(activity.get('i-0b0b0b0b0b0b0b0b0')).toMatchObject({ busy: true, busyBy: ['cpu'] });
  expect(activity.has('i-0a0a0a0a0a0a0a0a0')).toBe(false);
  expect(probe.counts.getMetricData).toBe(1);
});
