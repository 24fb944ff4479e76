/**
 * A VM's measured activity, from what AWS reports for the whole fleet in one run: Session Manager
 * sessions (ssm:DescribeSessions, Active and History; this covers shell, port forwarding and
 * VS Code Remote over SSM, which all open a session) and CloudWatch CPUUtilization (one
 * GetMetricData for the fleet). Pure: the reconciler fetches, this decides.
 *
 * A VM that merely runs (the schedule started it) is NOT active: only a session, or CPU above a
 * threshold for a sustained period, is. Both thresholds are admin settings, because CPU-only
 * rules fail both ways (a GPU job at 6 % CPU, an indexer at 40 % that nobody watches).
 */

export interface Activity {
  /** Latest instant the VM was seen in use (a session open, or sustained CPU); undefined if none in the measured window. */
  lastActiveAt?: Date;
  /** In use now: a session is open, or the latest CPU samples are a sustained busy run. */
  busy: boolean;
  /** What makes it busy now (when `busy`): an open session, sustained CPU, or both. */
  busyBy?: readonly ('session' | 'cpu')[];
}

export interface SessionSeen {
  target: string;
  startDate?: Date;
  /** Absent while the session is open. */
  endDate?: Date;
  /** SSM session status: Connected | Connecting | Disconnected | Terminated | Terminating | Failed. */
  status?: string;
}

export interface CpuSeries {
  id: string;
  /** Period start of each datapoint (any order) and its value in percent. */
  timestamps: readonly Date[];
  values: readonly number[];
}

export interface ActivityThresholds {
  /** CPUUtilization (%) at or above which a sample counts as busy. */
  cpuPercent: number;
  /** Consecutive busy minutes that make the CPU count as activity. */
  cpuSustainMinutes: number;
  /** GetMetricData period, in minutes (one datapoint per period). */
  periodMinutes: number;
}

const OPEN = new Set(['Connected', 'Connecting', 'Terminating']);

/** Per VM id: activity from this run's sessions and CPU series. VMs with neither are absent. */
export function activityFrom(sessions: readonly SessionSeen[], cpu: readonly CpuSeries[], now: Date, t: ActivityThresholds): Map<string, Activity> {
  const out = new Map<string, Activity>();
  const merge = (id: string, at: Date | undefined, busyBy: 'session' | 'cpu' | undefined) => {
    const prev = out.get(id) ?? { busy: false };
    const later = at && (!prev.lastActiveAt || at > prev.lastActiveAt) ? at : prev.lastActiveAt;
    const by = [...new Set([...(prev.busyBy ?? []), ...(busyBy ? [busyBy] : [])])];
    out.set(id, { busy: by.length > 0, ...(by.length ? { busyBy: by } : {}), ...(later ? { lastActiveAt: later } : {}) });
  };
  for (const s of sessions) {
    const open = s.endDate === undefined && (s.status === undefined || OPEN.has(s.status));
    if (open) merge(s.target, now, 'session');
    else merge(s.target, s.endDate ?? s.startDate, undefined);
  }
  const periodMs = t.periodMinutes * 60_000;
  const needed = Math.max(1, Math.ceil(t.cpuSustainMinutes / t.periodMinutes));
  for (const series of cpu) {
    const points = series.timestamps.map((ts, i) => ({ at: ts.getTime(), v: series.values[i] ?? 0 })).sort((a, b) => a.at - b.at);
    let run = 0;
    let prevAt: number | undefined;
    let lastBusyEnd: number | undefined;
    let busyNow = false;
    for (const p of points) {
      // A missing datapoint (the VM was stopped) breaks a run.
      const contiguous = prevAt !== undefined && p.at - prevAt <= periodMs;
      run = p.v >= t.cpuPercent ? (contiguous || run === 0 ? run + 1 : 1) : 0;
      if (run >= needed) lastBusyEnd = p.at + periodMs;
      prevAt = p.at;
    }
    const latest = points[points.length - 1];
    // Busy now: the run reaches the latest sample, and that sample is recent (within two periods).
    if (latest && run >= needed && now.getTime() - latest.at <= 2 * periodMs) busyNow = true;
    if (lastBusyEnd !== undefined) merge(series.id, new Date(Math.min(lastBusyEnd, now.getTime())), busyNow ? 'cpu' : undefined);
  }
  return out;
}
