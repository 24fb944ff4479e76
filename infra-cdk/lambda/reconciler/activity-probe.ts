import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { paginateDescribeSessions, type SSMClient, type SessionState } from '@aws-sdk/client-ssm';
import { activityFrom, type Activity, type ActivityThresholds, type CpuSeries, type SessionSeen } from '../../../src/domain/activity';

/**
 * Measures the fleet's activity with a number of calls that grows with pages, not with VMs:
 * - ssm:DescribeSessions twice, paginated (200 per page): State=Active (open sessions, whatever
 *   their age) and State=History with InvokedAfter (sessions started within the history window).
 *   Its filters take one Target each, so the fleet cannot be named in one request: sessions are
 *   kept client-side when their target is one of ours.
 *   https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeSessions.html
 * - cloudwatch:GetMetricData for CPUUtilization of the RUNNING VMs only (a stopped VM has no
 *   samples), at most 500 queries per call, every NextToken followed.
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 * The whole measurement succeeds or is absent: a run that cannot measure returns undefined, and
 * the plan then neither idle-stops nor defers (see ObservedVm.activity).
 */

export const SESSIONS_PAGE = 200;
export const METRIC_QUERIES_PER_CALL = 500;

export interface ActivityCalls {
  describeSessionsPages: number;
  getMetricData: number;
}

export interface ActivityPort {
  readonly counts: ActivityCalls;
  /** `cpu` overrides the probe's CPU thresholds for this run (the admin's idle policy). */
  measure(vms: readonly { id: string; running: boolean }[], now: Date, cpu?: CpuThresholds): Promise<Map<string, Activity>>;
}

export type CpuThresholds = Pick<ActivityThresholds, 'cpuPercent' | 'cpuSustainMinutes'>;

export interface ProbeSettings extends ActivityThresholds {
  /** Sessions started this long ago or later are read from the history (the state remembers older activity). */
  historyHours: number;
}

export class ActivityProbe implements ActivityPort {
  readonly counts: ActivityCalls = { describeSessionsPages: 0, getMetricData: 0 };

  constructor(
    private readonly ssm: SSMClient,
    private readonly cloudWatch: CloudWatchClient,
    private readonly settings: ProbeSettings,
  ) {}

  async measure(vms: readonly { id: string; running: boolean }[], now: Date, thresholds?: CpuThresholds): Promise<Map<string, Activity>> {
    const t = { ...this.settings, ...thresholds };
    const ours = new Set(vms.map((v) => v.id));
    const sessions = [...(await this.sessions('Active', ours, now)), ...(await this.sessions('History', ours, now))];
    const cpu = await this.cpu(vms.filter((v) => v.running).map((v) => v.id), now, t.cpuSustainMinutes);
    return activityFrom(sessions, cpu, now, t);
  }

  private async sessions(state: SessionState, ours: ReadonlySet<string>, now: Date): Promise<SessionSeen[]> {
    const after = new Date(now.getTime() - this.settings.historyHours * 3_600_000);
    const filters = state === 'History' ? [{ key: 'InvokedAfter' as const, value: after.toISOString().replace(/\.\d{3}Z$/, 'Z') }] : undefined;
    const out: SessionSeen[] = [];
    for await (const page of paginateDescribeSessions({ client: this.ssm, pageSize: SESSIONS_PAGE }, { State: state, ...(filters ? { Filters: filters } : {}) })) {
      this.counts.describeSessionsPages++;
      for (const s of page.Sessions ?? []) {
        if (!s.Target || !ours.has(s.Target)) continue;
        out.push({ target: s.Target, ...(s.StartDate ? { startDate: s.StartDate } : {}), ...(s.EndDate ? { endDate: s.EndDate } : {}), ...(s.Status ? { status: s.Status } : {}) });
      }
    }
    return out;
  }

  private async cpu(running: readonly string[], now: Date, sustainMinutes: number): Promise<CpuSeries[]> {
    const periodS = this.settings.periodMinutes * 60;
    // Enough samples for one sustained run plus the latest period CloudWatch may not have yet.
    const spanMs = (sustainMinutes + 3 * this.settings.periodMinutes) * 60_000;
    const end = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
    const start = new Date(end.getTime() - spanMs);
    const out: CpuSeries[] = [];
    for (let i = 0; i < running.length; i += METRIC_QUERIES_PER_CALL) {
      const chunk = running.slice(i, i + METRIC_QUERIES_PER_CALL);
      const queries: MetricDataQuery[] = chunk.map((id, k) => ({
        Id: `cpu${k}`,
        MetricStat: { Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: id }] }, Period: periodS, Stat: 'Average' },
        ReturnData: true,
      }));
      const byQuery = new Map<string, { timestamps: Date[]; values: number[] }>();
      let token: string | undefined;
      do {
        this.counts.getMetricData++;
        const res = await this.cloudWatch.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: start, EndTime: end, ...(token ? { NextToken: token } : {}) }));
        for (const r of res.MetricDataResults ?? []) {
          if (!r.Id) continue;
          const acc = byQuery.get(r.Id) ?? { timestamps: [], values: [] };
          acc.timestamps.push(...(r.Timestamps ?? []));
          acc.values.push(...(r.Values ?? []));
          byQuery.set(r.Id, acc);
        }
        token = res.NextToken;
      } while (token);
      chunk.forEach((id, k) => {
        const r = byQuery.get(`cpu${k}`);
        if (r && r.timestamps.length) out.push({ id, timestamps: r.timestamps, values: r.values });
      });
    }
    return out;
  }
}
