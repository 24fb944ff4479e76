import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { MANAGED_BY, Tag } from '../src/contract/tags';
import { utcMonth, type SchedulerState } from '../src/domain/scheduler-state';
import type { AwsStandIn } from './aws';
import type { JiraStandIn } from './jira-stand-in';

/**
 * A made-up fleet for the fleet page: VMs across clients, developers, projects, zones, types and
 * states, put straight into the AWS stand-in (tagged exactly as the VM API tags a launch), one Jira
 * issue per VM (so audit comments have somewhere to go) and the reconciler's state object with each
 * VM's run hours this month. Deterministic for a given seed, so tests can count on it.
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
}

export const FLEET_PROJECTS = ['OPS', 'WEB', 'DATA'] as const;
const CLIENTS = ['acme-corp', 'globex', 'initech', 'umbrella', 'stark-ind', 'wayne-ent'];
const DEVELOPERS = ['ana', 'ben', 'chen', 'dara', 'eli', 'fay', 'gus', 'hana', 'ivo', 'jun', 'kai', 'lea', 'max', 'nia', 'oli', 'pia', 'raj', 'sam', 'tea', 'uma'];
const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Europe/London', 'America/Los_Angeles', 'Australia/Sydney', 'Asia/Kolkata'];
const TYPES = ['t3.medium', 't3.large', 't3.large', 't3.xlarge', 'm7i.large'];
const OSES = ['al2023', 'ubuntu-24.04', 'ubuntu-24.04', 'rhel-9'];
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
  for (let i = 0; i < o.count; i++) {
    const project = FLEET_PROJECTS[i % FLEET_PROJECTS.length] as string;
    const n = next.get(project) ?? o.firstIssueNumber ?? 100;
    next.set(project, n + 1);
    const issueKey = `${project}-${n}`;
    const client = pick(CLIENTS);
    const developer = pick(DEVELOPERS);
    const [start, stop, days] = pick(HOURS);
    const state = rnd() < 0.6 ? 'running' : 'stopped';
    // Created some time in the last 45 days; a VM created this month is compared from its creation.
    const createdAt = nowMs - Math.floor(rnd() * 45 * 86_400_000) - 3_600_000;
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
    const lastStart = state === 'running' ? nowMs - Math.floor(rnd() * 8 * 3_600_000) : nowMs - Math.floor((1 + rnd() * 60) * 3_600_000);
    const [id] = aws.seedInstances({ count: 1, state, instanceType: pick(TYPES), tags, launchTime: lastStart });
    if (!id) throw new Error('the AWS stand-in seeded no instance');
    // A running VM of the demo fleet is in use: its developer has a Session Manager session open
    // (the reconciler measures activity, and would otherwise idle-stop the whole fleet).
    if (state === 'running') aws.state.sessions.push({ sessionId: `${developer}-${id.slice(2)}`, target: id, owner: `arn:aws:iam::${aws.state.accountId}:user/${developer}`, status: 'Connected', startDate: lastStart + 60_000 });
    // Office hours run about a third of the time; an unscheduled VM runs around the clock.
    const since = Math.max(monthStart, createdAt);
    const share = tags[Tag.AutoSchedule] === 'off' ? 1 : 0.2 + rnd() * 0.2;
    records[id] = {
      firstSeenAt: new Date(since).toISOString(),
      lastObservedAt: o.now.toISOString(),
      lastState: state,
      ...(state === 'running' ? { lastSeenRunning: o.now.toISOString() } : {}),
      usage: { month, seconds: Math.round(((nowMs - since) / 1000) * share) },
    };
    jira?.addIssue({ id: String(30000 + i), key: issueKey, statusId: o.statusId, fields: { summary: `Dev VM for ${developer} (${client})` } });
    out.push({ id, issueKey, client, developer, project, state });
  }
  const s3 = new S3Client(aws.clientConfig());
  try {
    const state: SchedulerState = { version: 1, lastRunAt: o.now.toISOString(), instances: records };
    await s3.send(new PutObjectCommand({ Bucket: o.stateBucket, Key: o.stateKey, Body: JSON.stringify(state), ContentType: 'application/json' }));
  } finally {
    s3.destroy();
  }
  return out;
}
