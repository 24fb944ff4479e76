/**
 * Scheduler figures for `npm run bench`: for fleets of 100, 1,000 and 10,000 instances, the EC2
 * calls one reconciler run makes at a moment when EVERY running VM reaches its stop boundary (the
 * worst case: all of them act in the same run) and the CPU time of the pure decision step, next to
 * the call count of the seed design's algorithm (seed-design-notes.md §3: one DescribeInstances,
 * then one StopInstances call per instance it acts on).
 *
 * The real reconciler run (infra-cdk/lambda/reconciler/run.ts) and the real EC2 gateway (shared/ec2.ts) are used; the
 * EC2 client is answered in memory (aws-sdk-client-mock) and every SDK command is counted. S3 and
 * EventBridge are in-memory ports (not EC2 calls; PutEvents calls are reported separately).
 *
 * Activity (issue 13) is measured by the real ActivityProbe against in-memory SSM and CloudWatch
 * that page as AWS documents (DescribeSessions: 200 per page; GetMetricData: at most 500 queries):
 * a fifth of the VMs have an open session (their stops are deferred), a third a finished one.
 *
 * Run directly: `npx tsx scripts/bench/scheduler.ts`.
 */
import { DescribeInstancesCommand, EC2Client, StartInstancesCommand, StopInstancesCommand, CreateTagsCommand, DeleteTagsCommand, TerminateInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { DescribeSessionsCommand, SSMClient, type DescribeSessionsCommandInput, type Session } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { ActivityProbe } from '../../infra-cdk/lambda/reconciler/activity-probe';
import type { LifecycleEvent } from '../../src/contract/events';
import { MANAGED_BY } from '../../src/contract/tags';
import { emptyState, type SchedulerState } from '../../src/domain/scheduler-state';
import { Ec2Gateway } from '../../infra-cdk/lambda/shared/ec2';
import { runReconciler, type ReconcilerDeps } from '../../infra-cdk/lambda/reconciler/run';

export interface SchedulerBenchRow {
  instances: number;
  /** DescribeInstances pages + batched Start/Stop/Terminate + CreateTags/DeleteTags calls. */
  ec2Calls: number;
  describePages: number;
  actionCalls: number;
  tagCalls: number;
  /** The seed algorithm on the same fleet: 1 describe + 1 call per instance acted on. */
  seedEc2Calls: number;
  /** ssm:DescribeSessions pages (Active + History) and cloudwatch:GetMetricData calls. */
  ssmCalls: number;
  cloudWatchCalls: number;
  /** Stops deferred because the VM was busy. */
  stopsDeferred: number;
  /** PutEvents calls for the run's lifecycle events (10 per call). */
  putEventsCalls: number;
  stopped: number;
  /** Median process CPU time of the decision step (plan) over the repeats. */
  decisionMs: number;
  /** Median wall time of the whole run against the in-memory AWS. */
  runMs: number;
}

const ZONES = ['America/New_York', 'Europe/London', 'Asia/Kolkata', 'Australia/Sydney', 'Pacific/Apia', 'America/Los_Angeles'];
const SIZES = [100, 1_000, 10_000];
const REPEATS = 5;
// Monday 2026-11-23, 23:02 UTC; repeats move on a day at a time (Tue…Fri) so no memo is warm.
const BASE = Date.parse('2026-11-23T23:02:00Z');
const DAY = 86_400_000;

function localHHMM(zone: string, at: number): string {
  const f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return f.format(at);
}

/** A fleet where every running VM's AutoStop fell 2 minutes before `BASE` in its own zone. 1% carry a malformed tag. */
function buildFleet(n: number): Instance[] {
  const out: Instance[] = [];
  for (let i = 0; i < n; i++) {
    const zone = ZONES[i % ZONES.length]!;
    const stop = localHHMM(zone, BASE - 2 * 60_000);
    const malformed = i % 100 === 99;
    const tags: Record<string, string> = {
      ManagedBy: MANAGED_BY,
      JiraIssue: `OPS-${i + 1}`,
      ClientName: `client${i % 50}`,
      DeveloperName: `dev${i}`,
      DevVmOs: 'al2023',
      CreatedAt: '2026-11-01T00:00:00Z',
      Timezone: zone,
      // Distinct start minutes keep the schedules from collapsing onto one memo entry.
      AutoStart: malformed ? (i % 200 === 199 ? '8am' : '25:00') : `0${7 + (i % 3)}:${String(i % 60).padStart(2, '0')}`,
      AutoStop: stop,
      AutoDays: 'MON-SUN',
    };
    out.push({
      InstanceId: `i-${(0x10000000 + i).toString(16).padStart(17, '0')}`,
      InstanceType: 't3.large',
      State: { Name: i % 10 < 7 ? 'running' : 'stopped' },
      LaunchTime: new Date('2026-11-23T08:00:00Z'),
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    });
  }
  return out;
}

/** A fifth of the fleet in an open session, a third with a session that ended this morning. */
function sessionsOf(fleet: Instance[], now: number): { active: Session[]; history: Session[] } {
  const active: Session[] = [];
  const history: Session[] = [];
  fleet.forEach((i, k) => {
    if (k % 5 === 0) active.push({ SessionId: `s-a${k}`, Target: i.InstanceId, Status: 'Connected', StartDate: new Date(now - 3_600_000) });
    else if (k % 3 === 0) history.push({ SessionId: `s-h${k}`, Target: i.InstanceId, Status: 'Terminated', StartDate: new Date(now - 8 * 3_600_000), EndDate: new Date(now - 6 * 3_600_000) });
  });
  return { active, history };
}

/** The seed algorithm's calls at its stop run: one describe, one StopInstances per running instance past its AutoStop. */
function seedCalls(fleet: Instance[]): number {
  return 1 + fleet.filter((i) => i.State?.Name === 'running').length;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export async function benchScheduler(sizes: number[] = SIZES): Promise<SchedulerBenchRow[]> {
  const rows: SchedulerBenchRow[] = [];
  const mock = mockClient(EC2Client);
  const ssm = mockClient(SSMClient);
  const cw = mockClient(CloudWatchClient);
  try {
    for (const n of sizes) {
      const fleet = buildFleet(n);
      const decision: number[] = [];
      const wall: number[] = [];
      let row: SchedulerBenchRow | undefined;
      for (let r = 0; r < REPEATS; r++) {
        const now = BASE + r * DAY;
        mock.reset();
        let offset = 0;
        mock.on(DescribeInstancesCommand).callsFake((input: { MaxResults?: number; NextToken?: string }) => {
          offset = input.NextToken ? Number(input.NextToken) : 0;
          const max = input.MaxResults ?? 1000;
          const page = fleet.slice(offset, offset + max);
          const next = offset + max < fleet.length ? String(offset + max) : undefined;
          return { Reservations: page.map((i) => ({ Instances: [i] })), ...(next ? { NextToken: next } : {}) };
        });
        mock.on(StartInstancesCommand).resolves({});
        mock.on(StopInstancesCommand).resolves({});
        mock.on(TerminateInstancesCommand).resolves({});
        mock.on(CreateTagsCommand).resolves({});
        mock.on(DeleteTagsCommand).resolves({});
        const sessions = sessionsOf(fleet, now);
        ssm.reset();
        ssm.on(DescribeSessionsCommand).callsFake((input: DescribeSessionsCommandInput) => {
          const list = input.State === 'Active' ? sessions.active : sessions.history;
          const from = Number(input.NextToken ?? 0);
          const max = Math.min(input.MaxResults ?? 200, 200);
          const next = from + max < list.length ? String(from + max) : undefined;
          return { Sessions: list.slice(from, from + max), ...(next ? { NextToken: next } : {}) };
        });
        cw.reset();
        cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
          const queries = input.MetricDataQueries ?? [];
          if (queries.length > 500) throw new Error('GetMetricData: at most 500 queries');
          const ts = [4, 3, 2, 1].map((k) => new Date(now - k * 300_000));
          return { MetricDataResults: queries.map((q, k) => ({ Id: q.Id, Timestamps: ts, Values: ts.map(() => (k % 7 === 0 ? 60 : 2)), StatusCode: 'Complete' })) };
        });
        const region = { region: 'eu-west-1', credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' } };
        const probe = new ActivityProbe(new SSMClient(region), new CloudWatchClient(region), { cpuPercent: 10, cpuSustainMinutes: 15, periodMinutes: 5, historyHours: 24 });
        let stored: SchedulerState = { ...emptyState(), lastRunAt: new Date(now - 5 * 60_000).toISOString() };
        let etag = 0;
        let putEvents = 0;
        const deps: ReconcilerDeps = {
          fleet: new Ec2Gateway(new EC2Client(region), MANAGED_BY),
          activity: probe,
          state: {
            read: async () => ({ state: stored, etag: String(etag) }),
            write: async (s) => {
              stored = s;
              etag++;
              return { ok: true, etag: String(etag) };
            },
          },
          events: {
            publish: async (events: readonly LifecycleEvent[]) => {
              putEvents += Math.ceil(events.length / 10);
              return { published: events.length, failed: [], calls: Math.ceil(events.length / 10) };
            },
          },
          log: { info: () => undefined, warn: () => undefined, error: () => undefined },
          metrics: { count: () => undefined, milliseconds: () => undefined },
          options: { intervalMinutes: 5, idleDays: 30, idleWarningDays: 3, idleStopMinutes: 60, stopDeferStepMinutes: 30, stopDeferMaxMinutes: 180 },
          // Process CPU time, not wall time: the machine is shared, and the target is CPU.
          cpuNow: () => {
            const u = process.cpuUsage();
            return (u.user + u.system) / 1000;
          },
        };
        const t0 = performance.now();
        const summary = await runReconciler(deps, new Date(now));
        wall.push(performance.now() - t0);
        decision.push(summary.decisionMs);
        const c = (deps.fleet as Ec2Gateway).counts;
        row = {
          instances: n,
          ec2Calls: summary.ec2Calls,
          describePages: c.describePages,
          actionCalls: c.start + c.stop + c.terminate,
          tagCalls: c.createTags + c.deleteTags,
          seedEc2Calls: seedCalls(fleet),
          ssmCalls: summary.ssmCalls,
          cloudWatchCalls: summary.cloudWatchCalls,
          stopsDeferred: summary.stopsDeferred,
          putEventsCalls: putEvents,
          stopped: summary.stopped,
          decisionMs: 0,
          runMs: 0,
        };
      }
      rows.push({ ...row!, decisionMs: median(decision), runMs: median(wall) });
    }
  } finally {
    mock.restore();
    ssm.restore();
    cw.restore();
  }
  return rows;
}

if (require.main === module) {
  benchScheduler()
    .then((rows) => {
      console.table(
        rows.map((r) => ({
          instances: r.instances,
          'EC2 calls (ours)': r.ec2Calls,
          'describe pages': r.describePages,
          'start/stop/terminate calls': r.actionCalls,
          'tag calls': r.tagCalls,
          'EC2 calls (seed)': r.seedEc2Calls,
          'SSM DescribeSessions pages': r.ssmCalls,
          'CloudWatch GetMetricData calls': r.cloudWatchCalls,
          'VMs stopped': r.stopped,
          'stops deferred (busy)': r.stopsDeferred,
          'PutEvents calls': r.putEventsCalls,
          'decision CPU ms (median)': r.decisionMs,
          'run ms (median)': Math.round(r.runMs),
        })),
      );
    })
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
