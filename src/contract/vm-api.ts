import * as z from 'zod';
import { IdlePolicy } from './idle-policy';
import { ClientName, DeveloperName, InstanceId, InstanceType, IssueKey } from './names';
import { Schedule } from './schedule';
import { isValidTagValue } from './tags';

/** The issue's cost center, written as the CostCenter tag: so it must be a valid tag value. */
export const CostCenter = z
  .string()
  .min(1)
  .max(256, 'must be at most 256 characters (an AWS tag value)')
  .refine(isValidTagValue, 'may contain only letters, digits, spaces and + - = . _ : / @ (it becomes an AWS tag value)');

/**
 * The VM API between the Forge app (src/adapters/vm-api-client.ts) and the Lambda behind the
 * IAM-authenticated function URL (infra-cdk/lambda/vm-api). Both sides validate against these
 * schemas: the client its requests and the responses, the server its requests and its responses.
 */

export const OS_IDS = ['al2023', 'ubuntu-24.04', 'rhel-9'] as const;
export const OsId = z.enum(OS_IDS);
export type OsId = z.infer<typeof OsId>;
export const OS_LABELS: Record<OsId, string> = {
  al2023: 'Amazon Linux 2023',
  'ubuntu-24.04': 'Ubuntu 24.04 LTS',
  'rhel-9': 'Red Hat Enterprise Linux 9',
};

/** EC2's states, plus `failed` for a VM that could not be launched or fell back to stopped after a start. */
export const VM_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated', 'failed'] as const;
export const VmState = z.enum(VM_STATES);
export type VmState = z.infer<typeof VmState>;
/** States in which a change is under way and the panel keeps polling. */
export const TRANSITIONAL_STATES: readonly VmState[] = ['pending', 'stopping', 'shutting-down'];

/** Idempotency keys are derived by the caller (issue id + changelog id); opaque to the API. */
export const IdempotencyKey = z.string().regex(/^[A-Za-z0-9._:-]{8,64}$/, 'must be 8–64 characters of letters, digits and . _ : -');

export const ProvisionRequest = z
  .object({
    issueKey: IssueKey,
    client: ClientName,
    developer: DeveloperName,
    instanceType: InstanceType,
    os: OsId,
    schedule: Schedule,
    idempotencyKey: IdempotencyKey,
    /** Optional mapped field; becomes the CostCenter tag of the instance, its volumes and the developer's EFS access point. */
    costCenter: CostCenter.optional(),
  })
  .strict();
export type ProvisionRequest = z.infer<typeof ProvisionRequest>;

export const DbConnection = z.object({
  engine: z.enum(['postgres', 'mysql']),
  host: z.string(),
  port: z.number().int(),
  database: z.string(),
  user: z.string(),
  /** Name of the Secrets Manager secret that holds the password. Never the password itself. */
  secretName: z.string(),
});
export type DbConnection = z.infer<typeof DbConnection>;

export const Connection = z.object({
  region: z.string(),
  /** `aws ssm start-session --target i-… --region …` */
  ssmCommand: z.string(),
  homePath: z.string(),
  privateIp: z.string().optional(),
  databases: z.array(DbConnection),
});
export type Connection = z.infer<typeof Connection>;

/** Why the scheduler stopped a VM: its working hours ended, or nobody used it (idle stop). */
export const StopCause = z.enum(['schedule', 'idle-stop']);
export type StopCause = z.infer<typeof StopCause>;

export const Usage = z.object({
  /** Calendar month in UTC, `YYYY-MM`. */
  month: z.string().regex(/^\d{4}-\d{2}$/),
  hoursRun: z.number().nonnegative(),
  /** When the reconciler last accounted for this VM. */
  asOf: z.string().datetime({ offset: true }),
  /** Latest measured activity (Session Manager session or sustained CPU); absent when none was seen. */
  lastActivityAt: z.string().datetime({ offset: true }).optional(),
  /** The scheduler warned at `at` that the VM is idle and will be terminated at `terminateAt`. */
  idleWarning: z.object({ at: z.string().datetime({ offset: true }), terminateAt: z.string().datetime({ offset: true }) }).optional(),
  /** The scheduler's latest stop of the VM and why (`idle-stop`: nobody used it). */
  lastStop: z.object({ at: z.string().datetime({ offset: true }), cause: StopCause }).optional(),
  /**
   * Hours run per UTC day of `month`, index 0 = the 1st, up to the day of the answer. The fleet
   * list only (its chart); hours accounted before per-day records began (state version 1) are in
   * `hoursRun` but on no day.
   */
  dailyHours: z.array(z.number().nonnegative()).max(31).optional(),
  /** With `dailyHours`: hours of `hoursRun` on no day (accounted before per-day records began); absent when none. */
  undatedHours: z.number().positive().optional(),
});
export type Usage = z.infer<typeof Usage>;

export const Vm = z.object({
  id: InstanceId,
  issueKey: IssueKey,
  client: ClientName,
  developer: DeveloperName,
  instanceType: InstanceType,
  os: OsId,
  state: VmState,
  /** Why the VM is `failed`, or why it is not where its schedule says it should be. */
  stateReason: z.string().optional(),
  amiId: z.string().optional(),
  launchTime: z.string().datetime({ offset: true }).optional(),
  createdAt: z.string().datetime({ offset: true }),
  schedule: Schedule,
  keepRunningUntil: z.string().datetime({ offset: true }).optional(),
  /** Set by the reconciler when a schedule tag is malformed. */
  scheduleError: z.string().optional(),
  /** When the VM was parked (issue closed): its schedule's starts are skipped until unparked. */
  parkedAt: z.string().datetime({ offset: true }).optional(),
  /** Last "Keep this VM": the idle-teardown clock starts no earlier. */
  keptAt: z.string().datetime({ offset: true }).optional(),
  /** Per-VM idle-stop override (minutes, or `off`); absent = the admin default. */
  idleStopMinutes: z.union([z.number().int(), z.literal('off')]).optional(),
  /** The issue's cost center (`CostCenter` tag), when the issue had one at provisioning. */
  costCenter: z.string().optional(),
  /** The scheduled stop waits until `until` because the VM is busy (an open session, sustained CPU). */
  stopDeferred: z.object({ until: z.string().datetime({ offset: true }), busy: z.array(z.enum(['session', 'cpu'])) }).optional(),
  connection: Connection,
  usage: Usage.optional(),
});
export type Vm = z.infer<typeof Vm>;

export const VmList = z.object({ vms: z.array(Vm) });
export type VmList = z.infer<typeof VmList>;

export const KeepRunningRequest = z.object({ until: z.string().datetime({ offset: true }) }).strict();
export type KeepRunningRequest = z.infer<typeof KeepRunningRequest>;

/** Per-VM idle stop: 15 minutes to a day, or `off`; `null` returns to the admin default. */
export const IdleStopOverride = z.union([z.number().int().min(15).max(1440), z.literal('off')]);
export type IdleStopOverride = z.infer<typeof IdleStopOverride>;

/**
 * Lifecycle changes the reconciler honours (issue 13): park/unpark, "Keep this VM" (resets the
 * idle-teardown clock), the per-VM idle-stop override. At least one field.
 */
export const LifecycleUpdate = z
  .object({
    parked: z.boolean().optional(),
    keep: z.literal(true).optional(),
    idleStopMinutes: IdleStopOverride.nullable().optional(),
  })
  .strict()
  .refine((u) => u.parked !== undefined || u.keep !== undefined || u.idleStopMinutes !== undefined, { message: 'at least one of parked, keep, idleStopMinutes' });
export type LifecycleUpdate = z.infer<typeof LifecycleUpdate>;

/**
 * The issue's cost center changed (issue 13): the CostCenter tag of the instance, its volumes and
 * the developer's EFS access point follows it; `null` (the field was cleared) removes the tag.
 */
export const CostCenterUpdate = z.object({ costCenter: CostCenter.nullable() }).strict();
export type CostCenterUpdate = z.infer<typeof CostCenterUpdate>;

export const RevokeResult = z.object({ client: ClientName, developer: DeveloperName, revoked: z.literal(true) });
export type RevokeResult = z.infer<typeof RevokeResult>;

export const Health = z.object({
  ok: z.boolean(),
  version: z.string(),
  region: z.string(),
  allowedInstanceTypes: z.array(InstanceType),
  allowedOs: z.array(OsId),
});
export type Health = z.infer<typeof Health>;

/**
 * The connection test's nonce (src/contract/events.ts ConnectionTestEvent): 128 bits or more of
 * randomness, base64url, so only the app's own test can be answered.
 */
export const TestNonce = z.string().regex(/^[A-Za-z0-9_-]{22,64}$/, 'must be 22 to 64 base64url characters');

/**
 * What the notifier got when it delivered a test event: the URL's HTTP status, or that the stack
 * has no Lifecycle events URL yet, or that nothing answered (timeout, refused, DNS).
 */
export const TestDelivery = z.discriminatedUnion('state', [
  z.object({ state: z.literal('pending') }),
  z.object({ state: z.literal('answered'), status: z.number().int().min(100).max(599), at: z.string().datetime({ offset: true }) }),
  z.object({ state: z.literal('not-configured'), at: z.string().datetime({ offset: true }) }),
  z.object({ state: z.literal('unreachable'), detail: z.enum(['timeout', 'network']), at: z.string().datetime({ offset: true }) }),
]);
export type TestDelivery = z.infer<typeof TestDelivery>;

/** Jira project keys, as in the issue keys (`OPS` of `OPS-42`). */
export const ProjectKey = z.string().regex(/^[A-Z][A-Z0-9_]{0,19}$/, 'must be a Jira project key such as "OPS"');
export type ProjectKey = z.infer<typeof ProjectKey>;

/**
 * Page size of the fleet list. EC2's DescribeInstances takes MaxResults 5–1000 (and fewer may come
 * back when filters apply), so 5 is the floor; 100 keeps one page one DescribeInstances call.
 */
export const FLEET_PAGE_SIZE_MIN = 5;
export const FLEET_PAGE_SIZE_MAX = 100;
export const FLEET_PAGE_SIZE_DEFAULT = 50;

/**
 * `GET /vms` without `issueKey`: every managed VM, one page at a time. Query strings are text,
 * so the page size is coerced. The page token is EC2's own NextToken, opaque to both sides.
 */
export const FleetQuery = z
  .object({
    client: ClientName.optional(),
    developer: DeveloperName.optional(),
    state: VmState.optional(),
    /** Issues of one Jira project only (issue key prefix). */
    project: ProjectKey.optional(),
    pageSize: z.coerce
      .number()
      .int('must be a whole number')
      .min(FLEET_PAGE_SIZE_MIN, `must be between ${FLEET_PAGE_SIZE_MIN} and ${FLEET_PAGE_SIZE_MAX}`)
      .max(FLEET_PAGE_SIZE_MAX, `must be between ${FLEET_PAGE_SIZE_MIN} and ${FLEET_PAGE_SIZE_MAX}`)
      .default(FLEET_PAGE_SIZE_DEFAULT),
    pageToken: z.string().min(1).max(4096).regex(/^[A-Za-z0-9+/=_-]+$/, 'must be the nextPageToken of the previous page').optional(),
  })
  .strict();
export type FleetQuery = z.infer<typeof FleetQuery>;

export const FleetPage = z.object({
  vms: z.array(Vm),
  /** Present when there are more VMs; pass it back as `pageToken` with the same filters. */
  nextPageToken: z.string().optional(),
});
export type FleetPage = z.infer<typeof FleetPage>;

const Empty = z.object({}).strict();

/**
 * Every operation on one instance names the issue it is done for; the API refuses it (404
 * NOT_FOUND, as for an unknown instance, so nothing is learnt about other issues' VMs) unless the
 * instance's `JiraIssue` tag equals it. An instance id alone is not proof of ownership: ids are
 * visible in comments and issue properties.
 */
export const InstanceQuery = z.object({ issueKey: IssueKey }).strict();
export type InstanceQuery = z.infer<typeof InstanceQuery>;
const Instance = z.object({ id: InstanceId });

/**
 * Every operation of the VM API, by name. `path` uses `{param}` placeholders; the client fills
 * them with encodeURIComponent, the server matches them and validates `params`.
 */
export const VmApi = {
  health: { method: 'GET', path: '/health', params: Empty, query: Empty, body: null, response: Health, status: 200 },
  provision: { method: 'POST', path: '/vms', params: Empty, query: Empty, body: ProvisionRequest, response: Vm, status: 202 },
  listVms: { method: 'GET', path: '/vms', params: Empty, query: z.object({ issueKey: IssueKey }).strict(), body: null, response: VmList, status: 200 },
  listFleet: { method: 'GET', path: '/vms', params: Empty, query: FleetQuery, body: null, response: FleetPage, status: 200 },
  getVm: { method: 'GET', path: '/vms/{id}', params: Instance, query: InstanceQuery, body: null, response: Vm, status: 200 },
  startVm: { method: 'POST', path: '/vms/{id}/start', params: Instance, query: InstanceQuery, body: null, response: Vm, status: 202 },
  stopVm: { method: 'POST', path: '/vms/{id}/stop', params: Instance, query: InstanceQuery, body: null, response: Vm, status: 202 },
  terminateVm: { method: 'POST', path: '/vms/{id}/terminate', params: Instance, query: InstanceQuery, body: null, response: Vm, status: 202 },
  updateSchedule: { method: 'PUT', path: '/vms/{id}/schedule', params: Instance, query: InstanceQuery, body: Schedule, response: Vm, status: 200 },
  keepRunning: { method: 'POST', path: '/vms/{id}/keep-running', params: Instance, query: InstanceQuery, body: KeepRunningRequest, response: Vm, status: 200 },
  updateLifecycle: { method: 'PUT', path: '/vms/{id}/lifecycle', params: Instance, query: InstanceQuery, body: LifecycleUpdate, response: Vm, status: 200 },
  updateCostCenter: { method: 'PUT', path: '/vms/{id}/cost-center', params: Instance, query: InstanceQuery, body: CostCenterUpdate, response: Vm, status: 200 },
  /** The fleet's idle and stop rules (admin page → one SSM parameter the reconciler reads each run). */
  updatePolicy: { method: 'PUT', path: '/policy', params: Empty, query: Empty, body: IdlePolicy, response: IdlePolicy, status: 200 },
  /**
   * The connection test's round trip: a signed test event through the bus and the notifier to the
   * Lifecycle events URL. Answers what the notifier got from that URL, or `pending` when it has
   * not reported within the API's wait.
   */
  sendTestEvent: { method: 'POST', path: '/test-event', params: Empty, query: Empty, body: z.object({ nonce: TestNonce }).strict(), response: TestDelivery, status: 200 },
  revokeDeveloper: {
    method: 'DELETE',
    path: '/clients/{client}/developers/{developer}',
    params: z.object({ client: ClientName, developer: DeveloperName }),
    query: Empty,
    body: null,
    response: RevokeResult,
    status: 200,
  },
} as const;
export type VmApiOperation = keyof typeof VmApi;
export type VmApiResponse<Op extends VmApiOperation> = z.infer<(typeof VmApi)[Op]['response']>;

/** Fill `{param}` placeholders, each value URI-encoded. */
export function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}

/** Match a concrete path against the operation table; returns the operation and raw params. */
export function matchRoute(method: string, path: string): { op: VmApiOperation; params: Record<string, string> } | { op: null; allowed: string[] } {
  const allowed: string[] = [];
  for (const [op, def] of Object.entries(VmApi) as [VmApiOperation, (typeof VmApi)[VmApiOperation]][]) {
    const names: string[] = [];
    const re = new RegExp('^' + def.path.replace(/\{(\w+)\}/g, (_, n: string) => (names.push(n), '([^/]+)')) + '/?$');
    const m = re.exec(path);
    if (!m) continue;
    if (def.method !== method.toUpperCase()) {
      if (!allowed.includes(def.method)) allowed.push(def.method);
      continue;
    }
    const params: Record<string, string> = {};
    names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1] ?? '')));
    return { op, params };
  }
  return { op: null, allowed };
}

/**
 * `GET /vms` serves two operations that share method and path: one issue's VMs (`?issueKey=`,
 * the panel) and the fleet list (no `issueKey`). matchRoute finds the first; this picks by query.
 */
export function selectOperation(op: VmApiOperation, query: Readonly<Record<string, string | undefined>>): VmApiOperation {
  return op === 'listVms' && query.issueKey === undefined ? 'listFleet' : op;
}
