import type { Instance } from '@aws-sdk/client-ec2';
import { ClientName, clientDatabaseName, DeveloperName } from '../../../src/contract/names';
import { ClockTime, DaysSpec, DEFAULT_DAYS, Schedule, TimeZoneName } from '../../../src/contract/schedule';
import { MANAGED_BY, Tag } from '../../../src/contract/tags';
import { scheduleFromTags as parseScheduleTags } from '../../../src/domain/schedule-tags';
import { parseStopDeferral } from '../../../src/domain/stop-deferral';
import { DbConnection, OsId, Usage, Vm, VmState } from '../../../src/contract/vm-api';
import { tagMap } from './ec2-tags';
import { developerClientDbSecretName, developerClientLoginName, developerHomePath } from './resource-names';

/**
 * EC2 instance → the contract's `Vm`. Shared by the VM API (every response) and the scheduler
 * (the `vm` of lifecycle events), so both describe a VM the same way.
 */

export interface DbEndpoint {
  host: string;
  port: number;
}

export interface VmRecordContext {
  region: string;
  /** `SECRET_PREFIX` of the stack, e.g. `dev-vm/`. */
  secretPrefix: string;
  /** Database name space (DB_NAMESPACE); empty or absent: none. */
  dbNamespace?: string;
  /** Value of the ManagedBy tag; an instance without it is not ours. */
  managedBy?: string;
  /** Enabled engines only; an absent engine gets no connection line. */
  databases: { postgres?: DbEndpoint; mysql?: DbEndpoint };
  /** Run hours from the scheduler's state, when the caller has them. */
  usage?: Usage;
}

/** The instance cannot be represented as a managed VM (not ours, or its identity tags are missing). */
export class NotAManagedVmError extends Error {
  override readonly name = 'NotAManagedVmError';
  constructor(
    readonly instanceId: string,
    readonly reason: string,
  ) {
    super(`${instanceId} is not a managed dev VM: ${reason}`);
  }
}

/**
 * State reason codes (EC2 `StateReason.Code`) that mean the instance never came up or a start
 * fell back to stopped: reported as `failed` so the panel says so instead of a plain "stopped".
 */
const LAUNCH_FAILURE_CODES = new Set([
  'Server.InternalError',
  'Server.InsufficientInstanceCapacity',
  'Client.InternalError',
  'Client.VolumeLimitExceeded',
  'Client.InvalidSnapshot.NotFound',
]);

export function vmState(instance: Instance): VmState {
  const name = instance.State?.Name ?? 'pending';
  const code = instance.StateReason?.Code;
  if ((name === 'terminated' || name === 'stopped') && code !== undefined && LAUNCH_FAILURE_CODES.has(code)) return 'failed';
  const parsed = VmState.safeParse(name);
  return parsed.success ? parsed.data : 'pending';
}

/**
 * The schedule written in the tags, read exactly as the reconciler reads it
 * (src/domain/schedule-tags.ts). A tag edited by hand into something malformed does not make
 * the VM unreadable: the reconciler's reason becomes `scheduleError` (it also writes the
 * ScheduleError tag and leaves such a VM alone), and the readable parts are still shown.
 */
export function vmSchedule(tags: Map<string, string>): { schedule: Schedule; problems: string[] } {
  const strict = parseScheduleTags(tags);
  if (strict.ok) return { schedule: strict.schedule, problems: [] };
  return { schedule: lenientSchedule(tags).schedule, problems: [strict.error] };
}

function lenientSchedule(tags: Map<string, string>): { schedule: Schedule; problems: string[] } {
  const problems: string[] = [];
  const pick = <T>(key: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }): T | undefined => {
    const raw = tags.get(key);
    if (raw === undefined) return undefined;
    const r = schema.safeParse(raw);
    if (r.success) return r.data;
    problems.push(`${key}=${JSON.stringify(raw)} is not valid`);
    return undefined;
  };
  const start = pick(Tag.AutoStart, ClockTime);
  let stop = pick(Tag.AutoStop, ClockTime);
  if (start !== undefined && start === stop) {
    problems.push(`${Tag.AutoStop} equals ${Tag.AutoStart}`);
    stop = undefined;
  }
  const timezone = pick(Tag.Timezone, TimeZoneName) ?? 'UTC';
  const days = pick(Tag.AutoDays, DaysSpec) ?? DEFAULT_DAYS;
  const enabled = tags.get(Tag.AutoSchedule)?.toLowerCase() !== 'off';
  const schedule: Schedule = { timezone, days, enabled, ...(start ? { start } : {}), ...(stop ? { stop } : {}) };
  return { schedule, problems };
}

function isoOrUndefined(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function ssmCommand(instanceId: string, region: string): string {
  return `aws ssm start-session --target ${instanceId} --region ${region}`;
}

export function dbConnections(client: string, developer: string, ctx: Pick<VmRecordContext, 'databases' | 'secretPrefix' | 'dbNamespace'>): DbConnection[] {
  const out: DbConnection[] = [];
  const common = {
    database: clientDatabaseName(client, ctx.dbNamespace),
    user: developerClientLoginName(developer, client, ctx.dbNamespace),
    secretName: developerClientDbSecretName(ctx.secretPrefix, developer, client),
  };
  if (ctx.databases.postgres) out.push({ engine: 'postgres', host: ctx.databases.postgres.host, port: ctx.databases.postgres.port, ...common });
  if (ctx.databases.mysql) out.push({ engine: 'mysql', host: ctx.databases.mysql.host, port: ctx.databases.mysql.port, ...common });
  return out;
}

/**
 * Map an EC2 instance to the contract's Vm. Throws NotAManagedVmError when the instance is not
 * managed by this stack or lacks an identity tag; the result is validated against the contract.
 */
export function toVm(instance: Instance, ctx: VmRecordContext): Vm {
  const id = instance.InstanceId ?? '(unknown)';
  const tags = tagMap(instance.Tags);
  if (tags.get(Tag.ManagedBy) !== (ctx.managedBy ?? MANAGED_BY)) throw new NotAManagedVmError(id, `no ${Tag.ManagedBy} tag of this stack`);
  const need = (key: string): string => {
    const v = tags.get(key);
    if (v === undefined || v === '') throw new NotAManagedVmError(id, `missing tag ${key}`);
    return v;
  };
  const client = ClientName.safeParse(need(Tag.ClientName));
  const developerTag = DeveloperName.safeParse(need(Tag.DeveloperName));
  if (!client.success || !developerTag.success) throw new NotAManagedVmError(id, `tag ${Tag.ClientName} or ${Tag.DeveloperName} is not a valid name`);
  return buildVm(instance, tags, id, client.data, developerTag.data, ctx);
}

function buildVm(instance: Instance, tags: Map<string, string>, id: string, client: string, developer: string, ctx: VmRecordContext): Vm {
  const need = (key: string): string => {
    const v = tags.get(key);
    if (v === undefined || v === '') throw new NotAManagedVmError(id, `missing tag ${key}`);
    return v;
  };
  const issueKey = need(Tag.JiraIssue);
  const os = OsId.safeParse(tags.get(Tag.Os));
  if (!os.success) throw new NotAManagedVmError(id, `missing or unknown tag ${Tag.Os}`);
  const launchTime = instance.LaunchTime ? instance.LaunchTime.toISOString() : undefined;
  const createdAt = isoOrUndefined(tags.get(Tag.CreatedAt)) ?? launchTime;
  if (createdAt === undefined) throw new NotAManagedVmError(id, `missing tag ${Tag.CreatedAt}`);

  const { schedule, problems } = vmSchedule(tags);
  const scheduleError = tags.get(Tag.ScheduleError) ?? (problems.length ? problems.join('; ') : undefined);
  const keepRunningUntil = isoOrUndefined(tags.get(Tag.KeepRunningUntil));
  const parkedAt = isoOrUndefined(tags.get(Tag.ParkedAt));
  const keptAt = isoOrUndefined(tags.get(Tag.KeptAt));
  const stopDeferred = parseStopDeferral(tags.get(Tag.StopDeferredUntil));
  const idleRaw = tags.get(Tag.IdleStopMinutes);
  const idleStopMinutes = idleRaw === 'off' ? ('off' as const) : idleRaw !== undefined && /^\d+$/.test(idleRaw) ? Number(idleRaw) : undefined;
  const stateReason = instance.StateReason?.Message ?? (instance.StateTransitionReason || undefined);
  const costCenter = tags.get(Tag.CostCenter) || undefined;

  const candidate = {
    id,
    issueKey,
    client,
    developer,
    instanceType: instance.InstanceType ?? 'unknown.unknown',
    os: os.data,
    state: vmState(instance),
    ...(stateReason ? { stateReason } : {}),
    ...(instance.ImageId ? { amiId: instance.ImageId } : {}),
    ...(launchTime ? { launchTime } : {}),
    createdAt,
    schedule,
    ...(keepRunningUntil ? { keepRunningUntil } : {}),
    ...(scheduleError ? { scheduleError } : {}),
    ...(parkedAt ? { parkedAt } : {}),
    ...(keptAt ? { keptAt } : {}),
    ...(stopDeferred ? { stopDeferred } : {}),
    ...(idleStopMinutes !== undefined ? { idleStopMinutes } : {}),
    ...(costCenter ? { costCenter } : {}),
    connection: {
      region: ctx.region,
      ssmCommand: ssmCommand(id, ctx.region),
      homePath: developerHomePath(developer),
      ...(instance.PrivateIpAddress ? { privateIp: instance.PrivateIpAddress } : {}),
      databases: dbConnections(client, developer, ctx),
    },
    ...(ctx.usage ? { usage: ctx.usage } : {}),
  };
  const parsed = Vm.safeParse(candidate);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new NotAManagedVmError(id, `tags do not form a valid VM record (${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'})`);
  }
  return parsed.data;
}
