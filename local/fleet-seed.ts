import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { MANAGED_BY, Tag } from '../src/contract/tags';
import { utcMonth, type SchedulerState } from '../src/domain/scheduler-state';
import type { AwsStandIn } from './aws';
import type { JiraStandIn } from './jira-stand-in';

/**
 * A made-up fleet for the fleet page: VMs across clients, developers, projects, zones, types and
 * states, put straight into the AWS stand-in (tagged exactly as the VM API tags a launch), one Jira
 * issue per VM (so audit comments have somewhere to go) and the reconciler's state object with each
 * VM's run hours this month, per UTC day. Some VMs are parked, stopped for being idle or warned as
 * idle, and most carry a cost center. Deterministic for a given seed, so tests can count on it.
 */

export interface FleetSeedOptions {
  count: number;
  now: Date;
  stateBucket: string;
  stateKey: string;
  /** Status id the seeded issues are in. */
  statusId: string;
  /** First issue number per project (the preview's own issue is OPS-1). */
  firstIssueNumber?: number;
  seed?: number;
}

export interface SeededVm {
  id: string;
  issueKey: string;
  client: string;
  developer: string;
  project: string;
  state: 'running' | 'stopped';
  /** Lifecycle states the fleet page should show for it. */
  lifecycle: ('parked' | 'idle-stopped' | 'warned')[];
  costCenter?: string;
}

export const FLEET_PROJECTS = ['OPS', 'WEB', 'DATA'] as const;
const CLIENTS = ['acme-corp', 'globex', 'initech', 'umbrella', 'stark-ind', 'wayne-ent'];
const DEVELOPERS = ['ana', 'ben', 'chen', 'dara', 'eli', 'fay', 'gus', 'hana', 'ivo', 'jun', 'kai', 'lea', 'max', 'nia', 'oli', 'pia', 'raj', 'sam', 'tea', 'uma'];
const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Europe/London', 'America/Los_Angeles', 'Australia/Sydney', 'Asia/Kolkata'];
const TYPES = ['t3.medium', 't3.large', 't3.large', 't3.xlarge', 'm7i.large'];
const OSES = ['al2023', 'ubuntu-24.04', 'ubuntu-24.04', 'rhel-9'];
const COST_CENTERS = ['CC-1001', 'CC-1002', 'CC-2040', 'RND 7'];
const DAY = 86_400_000;
const HOURS: readonly [string, string, string][] = [
  ['08:00', '18:00', 'MON-FRI'],
  ['09:00', '17:30', 'MON-FRI'],
  ['07:00', '16:00', 'MON-THU'],
  ['10:00', '20:00', 'MON-FRI'],
  ['22:00', '06:00', 'SUN-THU'],
];

/** A small deterministic generator (mulberry32), so the same seed gives the same fleet. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function seedFleet(aws: AwsStandIn, jira: JiraStandIn | undefined, o: FleetSeedOptions): Promise<SeededVm[]> {
  const rnd = random(o.seed ?? 15);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const nowMs = o.now.getTime();
  const monthStart = Date.UTC(o.now.getUTCFullYear(), o.now.getUTCMonth(), 1);
  const month = utcMonth(o.now);
  const next = new Map<string, number>();
  const out: SeededVm[] = [];
  const records: SchedulerState['instances'] = {};
  let stopped = 0;
  for (let i = 0; i < o.count; i++) {
    const project = FLEET_PROJECTS[i % FLEET_PROJECTS.length] as string;
    const n = next.get(project) ?? o.firstIssueNumber ?? 100;
    next.set(project, n + 1);
    const issueKey = `${project}-${n}`;
    const client = pick(CLIENTS);
    const developer = pick(DEVELOPERS);
    const [start, stop, days] = pick(HOURS);
    const state = rnd() < 0.6 ? 'running' : 'stopped';
    // Of every 12 stopped VMs, one is parked, one stopped for being idle (after its last start),
    // one warned as idle and one both: counted, not drawn, so even a small fleet has each.
    const fate = state === 'stopped' ? stopped++ % 12 : -1;
    const warnedFate = fate === 7 || fate === 9;
    // Created some time in the last 45 days; a VM created this month is compared from its creation.
    // A warned VM is one the reconciler itself would have warned a day ago (default idle rules: 30
    // days, warned 3 ahead): no activity since it was created 28 days ago. Otherwise the first
    // scheduler run of the preview would drop the seeded warning and warn again.
    const drawnAge = Math.floor(rnd() * 45 * 86_400_000) + 3_600_000;
    const createdAt = nowMs - (warnedFate ? 28 * DAY : drawnAge);
    const tags: Record<string, string> = {
      [Tag.Name]: `dev-vm-${developer}-${issueKey.toLowerCase()}`,
      [Tag.ManagedBy]: MANAGED_BY,
      [Tag.Environment]: 'dev',
      [Tag.ClientName]: client,
      [Tag.DeveloperName]: developer,
      [Tag.JiraIssue]: issueKey,
      [Tag.Os]: pick(OSES),
      [Tag.CreatedAt]: new Date(createdAt).toISOString(),
      [Tag.AutoStart]: start,
      [Tag.AutoStop]: stop,
      [Tag.Timezone]: pick(ZONES),
      [Tag.AutoDays]: days,
    };
    if (rnd() < 0.05) tags[Tag.AutoSchedule] = 'off';
    const costCenter = rnd() < 0.8 ? pick(COST_CENTERS) : undefined;
    if (costCenter) tags[Tag.CostCenter] = costCenter;
    const lastStart = state === 'running' ? nowMs - Math.floor(rnd() * 8 * 3_600_000) : nowMs - Math.floor((1 + rnd() * 60) * 3_600_000);
    const lifecycle: SeededVm['lifecycle'] = [];
    if (fate === 1) {
      tags[Tag.ParkedAt] = new Date(lastStart + 3_600_000).toISOString();
      lifecycle.push('parked');
    }
    const idleStop = fate === 5 || fate === 9 ? { at: new Date(lastStart + 2 * 3_600_000).toISOString(), cause: 'idle-stop' as const } : undefined;
    if (idleStop) lifecycle.push('idle-stopped');
    const warned = warnedFate ? { at: new Date(nowMs - DAY).toISOString(), terminateAt: new Date(nowMs + 2 * DAY).toISOString() } : undefined;
    if (warned) lifecycle.push('warned');
    const [id] = aws.seedInstances({ count: 1, state, instanceType: pick(TYPES), tags, launchTime: lastStart });
    if (!id) throw new Error('the AWS stand-in seeded no instance');
    // A running VM of the demo fleet is in use: its developer has a Session Manager session open
    // (the reconciler measures activity, and would otherwise idle-stop the whole fleet).
    if (state === 'running') aws.state.sessions.push({ sessionId: `${developer}-${id.slice(2)}`, target: id, owner: `arn:aws:iam::${aws.state.accountId}:user/${developer}`, status: 'Connected', startDate: lastStart + 60_000 });
    // Office hours run about a third of the time; an unscheduled VM runs around the clock.
    const since = Math.max(monthStart, createdAt);
    const share = tags[Tag.AutoSchedule] === 'off' ? 1 : 0.2 + rnd() * 0.2;
    // Per UTC day: its share of the day's hours on working days (weekends, for an office schedule, idle).
    const perDay: Record<string, number> = {};
    let seconds = 0;
    for (let t = since; t < nowMs; ) {
      const dayStart = t - ((t - monthStart) % DAY);
      const end = Math.min(dayStart + DAY, nowMs);
      const weekday = new Date(dayStart).getUTCDay();
      const working = tags[Tag.AutoSchedule] === 'off' || (weekday !== 0 && weekday !== 6);
      const s = working ? Math.round(((end - t) / 1000) * Math.min(1, share * 1.4) * (0.8 + rnd() * 0.4)) : 0;
      if (s > 0) {
        perDay[String(Math.floor((dayStart - monthStart) / DAY) + 1)] = s;
        seconds += s;
      }
      t = end;
    }
    // Someone used every VM that is not warned during its last run (an SSM session an hour after its
    // start, or lately for a running one), so the seeded fleet is not idle in the reconciler's eyes.
    const lastActivityAt = warnedFate ? undefined : new Date(state === 'running' ? nowMs - 5 * 60_000 : Math.min(lastStart + 3_600_000, nowMs)).toISOString();
    records[id] = {
      firstSeenAt: new Date(createdAt).toISOString(),
      lastObservedAt: o.now.toISOString(),
      lastState: state,
      ...(state === 'running' ? { lastSeenRunning: o.now.toISOString() } : {}),
      usage: { month, seconds, days: perDay },
      // Someone was on it within a few hours of its last start (a session or sustained CPU).
      lastActivityAt: new Date(Math.min(nowMs, lastStart + ((i * 37) % 300) * 60_000)).toISOString(),
      ...(idleStop ? { lastStop: idleStop } : {}),
      ...(warned ? { idleWarning: warned } : {}),
      ...(lastActivityAt ? { lastActivityAt } : {}),
    };
    jira?.addIssue({ id: String(30000 + i), key: issueKey, statusId: o.statusId, fields: { summary: `Dev VM for ${developer} (${client})` } });
    out.push({ id, issueKey, client, developer, project, state, lifecycle, ...(costCenter ? { costCenter } : {}) });
  }
  const s3 = new S3Client(aws.clientConfig());
  try {
    const state: SchedulerState = { version: 2, lastRunAt: o.now.toISOString(), instances: records };
    await s3.send(new PutObjectCommand({ Bucket: o.stateBucket, Key: o.stateKey, Body: JSON.stringify(state), ContentType: 'application/json' }));
  } finally {
    s3.destroy();
  }
  return out;
}
