import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { DescribeSessionsCommand, SSMClient, type DescribeSessionsCommandInput, type Session } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { ActivityProbe } from '../../../infra-cdk/lambda/reconciler/activity-probe';

const NOW = new Date('2026-11-25T15:00:00Z');
const region = { region: 'eu-west-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } };
const id = (i: number) => `i-${i.toString(16).padStart(17, '0')}`;

const ssm = mockClient(SSMClient);
const cw = mockClient(CloudWatchClient);
afterEach(() => {
  ssm.reset();
  cw.reset();
});
afterAll(() => {
  ssm.restore();
  cw.restore();
});

/** DescribeSessions as documented: MaxResults 1..200, NextToken, State Active|History. */
function sessionsApi(active: Session[], history: Session[]) {
  ssm.on(DescribeSessionsCommand).callsFake((input: DescribeSessionsCommandInput) => {
    const max = input.MaxResults ?? 200;
    if (max < 1 || max > 200) throw Object.assign(new Error('MaxResults 1..200'), { name: 'ValidationException' });
    const list = input.State === 'Active' ? active : history;
    const from = Number(input.NextToken ?? 0);
    const next = from + max < list.length ? String(from + max) : undefined;
    return { Sessions: list.slice(from, from + max), ...(next ? { NextToken: next } : {}) };
  });
}

describe('activity probe: calls grow with pages, not with VMs', () => {
  it('2,500 VMs (1,200 running): 3 + 2 DescribeSessions pages and 3 GetMetricData calls of at most 500 queries', async () => {
    const vms = Array.from({ length: 2500 }, (_, i) => ({ id: id(i), running: i < 1200 }));
    const active: Session[] = Array.from({ length: 450 }, (_, i) => ({ SessionId: `s-a${i}`, Target: i < 400 ? id(i) : 'i-someoneelse00000', Status: 'Connected', StartDate: new Date('2026-11-25T14:00:00Z') }));
    const history: Session[] = Array.from({ length: 300 }, (_, i) => ({ SessionId: `s-h${i}`, Target: id(1000 + i), Status: 'Terminated', StartDate: new Date('2026-11-25T09:00:00Z'), EndDate: new Date('2026-11-25T10:00:00Z') }));
    sessionsApi(active, history);
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      const queries = input.MetricDataQueries ?? [];
      if (queries.length > 500) throw Object.assign(new Error('at most 500 MetricDataQuery'), { name: 'InvalidParameterValue' });
      // Busy CPU for the first query of each call: four 5-minute samples at 50 %.
      return {
        MetricDataResults: queries.map((q, k) => ({
          Id: q.Id,
          Timestamps: k === 0 ? [0, 1, 2, 3].map((m) => new Date(NOW.getTime() - (4 - m) * 300_000)) : [],
          Values: k === 0 ? [50, 50, 50, 50] : [],
          StatusCode: 'Complete',
        })),
      };
    });
    const probe = new ActivityProbe(new SSMClient(region), new CloudWatchClient(region), { cpuPercent: 10, cpuSustainMinutes: 15, periodMinutes: 5, historyHours: 24 });
    const activity = await probe.measure(vms, NOW);

    expect(probe.counts).toEqual({ describeSessionsPages: 5, getMetricData: 3 });
    const sessionCalls = ssm.commandCalls(DescribeSessionsCommand).map((c) => c.args[0].input);
    expect(sessionCalls.every((i) => i.MaxResults === 200)).toBe(true);
    expect(sessionCalls.filter((i) => i.State === 'History').every((i) => i.Filters?.[0]?.key === 'InvokedAfter' && i.Filters[0].value === '2026-11-24T15:00:00Z')).toBe(true);
    const metricCalls = cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(metricCalls.map((i) => i.MetricDataQueries?.length)).toEqual([500, 500, 200]); // running VMs only
    expect(metricCalls[0]!.MetricDataQueries![0]!.MetricStat).toMatchObject({ Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: id(0) }] }, Period: 300, Stat: 'Average' });

    expect(activity.get(id(5))).toEqual({ busy: true, busyBy: ['session'], lastActiveAt: NOW }); // open session
    expect(activity.get(id(1000))).toMatchObject({ busy: true, busyBy: ['cpu'] }); // first query of the 3rd call: sustained CPU
    expect(activity.get(id(1100))).toEqual({ busy: false, lastActiveAt: new Date('2026-11-25T10:00:00Z') }); // ended session
    expect(activity.has('i-someoneelse00000')).toBe(false); // not one of ours
    expect(activity.has(id(2000))).toBe(false);
  });

  it('follows GetMetricData NextToken', async () => {
    sessionsApi([], []);
    let n = 0;
    cw.on(GetMetricDataCommand).callsFake(() => (n++ === 0 ? { MetricDataResults: [], NextToken: 'more' } : { MetricDataResults: [] }));
    const probe = new ActivityProbe(new SSMClient(region), new CloudWatchClient(region), { cpuPercent: 10, cpuSustainMinutes: 15, periodMinutes: 5, historyHours: 24 });
    await probe.measure([{ id: id(1), running: true }], NOW);
    expect(probe.counts.getMetricData).toBe(2);
    expect(cw.commandCalls(GetMetricDataCommand)[1]!.args[0].input.NextToken).toBe('more');
  });
});
