import * as z from 'zod';
import { ErrorCode } from './errors';
import { IssueKey } from './names';
import { Schedule } from './schedule';
import { SecretsInput, SecretsView, Settings } from './settings';
import { ClientName, DeveloperName, InstanceId } from './names';
import { FLEET_PAGE_SIZE_MAX, FLEET_PAGE_SIZE_MIN, KeepRunningRequest, LifecycleUpdate, OsId, ProjectKey, Vm, VmState } from './vm-api';

/**
 * Resolver names and their payload/result schemas: `resolver.define(R.x, …)` on the backend and
 * `invoke(R.x, …)` in static/ both use this table, and a wiring test checks they match.
 */
export const R = {
  panelGet: 'panel.get',
  panelProvision: 'panel.provision',
  panelStart: 'panel.start',
  panelStop: 'panel.stop',
  panelTerminate: 'panel.terminate',
  panelKeepRunning: 'panel.keepRunning',
  panelUpdateSchedule: 'panel.updateSchedule',
  /** Unpark, "Keep this VM", per-VM idle-stop override ("Start anyway" is panel.start: the VM stays parked). */
  panelLifecycle: 'panel.lifecycle',
  adminGet: 'admin.get',
  adminSave: 'admin.save',
  adminTestConnection: 'admin.testConnection',
  adminListStatuses: 'admin.listStatuses',
  adminListFields: 'admin.listFields',
  adminSearchUsers: 'admin.searchUsers',
  fleetList: 'fleet.list',
  fleetBulk: 'fleet.bulk',
} as const;
export type ResolverName = (typeof R)[keyof typeof R];

/** Every resolver answers with this envelope, so the page can show the reason of a failure. */
export const ResolverFailure = z.object({
  ok: z.literal(false),
  error: z.object({
    /** `RECORD_UNREADABLE`: the app's stored record of the issue's VM does not parse; nothing is done until it is repaired. */
    code: z.union([ErrorCode, z.enum(['NOT_CONFIGURED', 'FORBIDDEN', 'RECORD_UNREADABLE'])]),
    message: z.string(),
    field: z.string().optional(),
    /**
     * The user-facing code of a failed VM API call (src/domain/user-errors.ts); when present,
     * `message` is its cause and already says what to do.
     */
    userCode: z.string().regex(/^[A-Z_]{1,40}$/).optional(),
    /**
     * VALIDATION_FAILED of a settings page: every problem at once, each with the setting's path as
     * the page names its inputs (`policy.idleDays`), its label and the words to show.
     */
    problems: z.array(z.object({ field: z.string(), label: z.string(), message: z.string() })).optional(),
  }),
});
export type ResolverFailure = z.infer<typeof ResolverFailure>;
export const ok = <T extends z.ZodType>(data: T) => z.object({ ok: z.literal(true), data });
export const resultOf = <T extends z.ZodType>(data: T) => z.discriminatedUnion('ok', [ok(data), ResolverFailure]);

export const FieldProblem = z.object({ field: z.string(), label: z.string(), message: z.string() });
export type FieldProblem = z.infer<typeof FieldProblem>;

/** The request as read from the issue's fields, for confirmation before provisioning from the panel. */
export const ProvisionDraft = z.object({
  values: z.record(z.string(), z.string().optional()),
  problems: z.array(FieldProblem),
  /** The working hours are the ones last saved in the panel (kept with the app's record), not the issue's fields. */
  scheduleFromPanel: z.boolean().optional(),
});
export type ProvisionDraft = z.infer<typeof ProvisionDraft>;

export const CostView = z.object({
  month: z.string(),
  hoursRun: z.number(),
  costUsd: z.number(),
  alwaysOnUsd: z.number(),
  savingUsd: z.number(),
  savingPercent: z.number(),
  /**
   * The same period run to the working hours only, without idle stop (issue 13): what the idle
   * rules saved on top of the schedule. Absent when the schedule is off.
   */
  workingHours: z.number().optional(),
  workingHoursUsd: z.number().optional(),
  savingVsWorkingHoursUsd: z.number().optional(),
  pricesAsOf: z.string(),
  /** The region whose prices were used (the VM's). */
  pricesRegion: z.string(),
});
export type CostView = z.infer<typeof CostView>;

export const PendingProvisionView = z.object({
  requestedAt: z.string().datetime({ offset: true }),
  /** When the queue tries again; absent when not known (a request stored by an older version). */
  nextAttemptAt: z.string().datetime({ offset: true }).optional(),
  attempts: z.number().int().nonnegative(),
  maxAttempts: z.number().int().positive(),
  lastError: z.string().optional(),
});
export type PendingProvisionView = z.infer<typeof PendingProvisionView>;

export const PanelView = z.object({
  issueKey: IssueKey,
  configured: z.boolean(),
  /** Checked on the server from the caller's account: assignee, reporter or Jira administrator. */
  canAct: z.boolean(),
  cannotActReason: z.string().optional(),
  vm: Vm.nullable(),
  /** Present when there is no VM: what provisioning would send, or what is wrong with the fields. */
  draft: ProvisionDraft.nullable(),
  nextStart: z.string().datetime({ offset: true }).optional(),
  nextStop: z.string().datetime({ offset: true }).optional(),
  cost: CostView.optional(),
  /**
   * A provision request waiting in the retry queue (the VM API did not answer): the panel shows it
   * instead of the Provision button. Absent when nothing is queued.
   */
  pendingProvision: PendingProvisionView.optional(),
  /**
   * The last provision request the queue gave up on (every retry failed): shown with a Retry
   * instead of the plain empty state. Cleared by the next provision that is accepted or queued.
   */
  provisionFailure: z.object({ code: z.string(), cause: z.string(), ref: z.string(), at: z.string().datetime({ offset: true }), attempts: z.number().int().positive() }).optional(),
  /**
   * When the VM record shown was last read from the VM API. With `stale: true` the API did not
   * answer this time and the panel shows the stored record as of this time.
   */
  refreshedAt: z.string().datetime({ offset: true }).optional(),
  stale: z.boolean().optional(),
  /**
   * The fleet's idle stop (minutes without activity, 0 = off) set on the Dev VM settings page: what
   * "the default" means for a VM without its own idle-stop setting, so the panel can say it.
   */
  idleStopDefaultMinutes: z.number().int().nonnegative().optional(),
  /**
   * Present when there is no live VM, the issue is outside every provisioning status and the caller
   * is no Jira administrator (who may provision from any status): why Provision is offered disabled.
   */
  provisionBlocked: z.string().optional(),
});
export type PanelView = z.infer<typeof PanelView>;

export const ChecklistItem = z.object({
  id: z.string(),
  label: z.string(),
  done: z.boolean(),
  /** When the check behind the item last passed (the lifecycle events round trip); the page words it in the viewer's zone. */
  verifiedAt: z.string().datetime({ offset: true }).optional(),
});
export const AdminView = z.object({
  settings: Settings,
  secrets: SecretsView,
  webtriggerUrl: z.string().optional(),
  checklist: z.array(ChecklistItem),
  /**
   * Present when the stored settings could not be read (saved by a newer version, or damaged):
   * the app acts as if nothing were set up, the page shows the defaults, and saving replaces them.
   */
  storedSettingsUnreadable: z.object({ problems: z.array(z.string()) }).optional(),
});
export type AdminView = z.infer<typeof AdminView>;

/**
 * The second half of Test connection: the stack's signed test event to the Lifecycle events URL.
 * `verified`: it arrived and its signature checked out; `wrong-secret`: it arrived signed with
 * another secret; `not-arrived`: the stack sent it but this app never saw it (`status` is what
 * the URL answered the stack, e.g. 404); `stack-failed`: the stack could not send it.
 */
export const EVENT_TEST_OUTCOMES = ['verified', 'wrong-secret', 'not-arrived', 'stack-failed'] as const;
export const EventTestResult = z.object({ outcome: z.enum(EVENT_TEST_OUTCOMES), message: z.string(), status: z.number().optional() });
export type EventTestResult = z.infer<typeof EventTestResult>;

export const ConnectionTestResult = z.object({
  /** True only when the API answered AND the test event arrived and verified. */
  ok: z.boolean(),
  /**
   * Why not: `dns`, `timeout`, `signature` (403), `not-found` (404), `not-configured`,
   * `bad-response`, `http`, `network` (nothing answered) for the API call; `events-<outcome>` for
   * the test event.
   */
  reason: z.string().optional(),
  message: z.string(),
  status: z.number().optional(),
  /** The test event's round trip; absent when the API itself could not be reached. */
  events: EventTestResult.optional(),
  /** The checklist after the test (its Lifecycle events URL item follows the round trip). */
  checklist: z.array(ChecklistItem).optional(),
});
export type ConnectionTestResult = z.infer<typeof ConnectionTestResult>;

export const JiraStatusOption = z.object({ id: z.string(), name: z.string(), category: z.string().optional() });
/** A Jira user as the admin page's identity-map picker shows it. */
export const JiraUserOption = z.object({ accountId: z.string(), displayName: z.string() });
export type JiraUserOption = z.infer<typeof JiraUserOption>;
export const JiraFieldOption = z.object({ id: z.string(), name: z.string(), type: z.string().optional(), custom: z.boolean() });

/**
 * One row of the fleet page: what the table shows of a VM. Cost figures are vmCost()'s
 * (src/domain/vm-cost.ts), the same the issue panel shows; absent when no usage is recorded yet or
 * the type has no price.
 */
/**
 * Lifecycle states the fleet page shows next to the EC2 state: `parked` (issue closed, schedule
 * starts skipped), `idle-stopped` (the scheduler stopped it because nobody used it, and it has not
 * been started since), `warned` (idle long enough that its termination is announced).
 */
export const LIFECYCLE_FLAGS = ['parked', 'idle-stopped', 'warned'] as const;
export const LifecycleFlag = z.enum(LIFECYCLE_FLAGS);
export type LifecycleFlag = z.infer<typeof LifecycleFlag>;

export const FleetRow = z.object({
  id: InstanceId,
  issueKey: IssueKey,
  client: ClientName,
  developer: DeveloperName,
  os: OsId,
  instanceType: z.string(),
  state: VmState,
  stateReason: z.string().optional(),
  /** Working hours as the VM's tags say, in its own zone, e.g. `08:00–18:00 MON-FRI`; `off` when unscheduled. */
  hours: z.string(),
  timezone: z.string(),
  /** Last start (EC2 launch time), the closest AWS gives to "last activity" without a call per VM. */
  lastStartedAt: z.string().datetime({ offset: true }).optional(),
  keepRunningUntil: z.string().datetime({ offset: true }).optional(),
  scheduleError: z.string().optional(),
  hoursRun: z.number().optional(),
  costUsd: z.number().optional(),
  alwaysOnUsd: z.number().optional(),
  savingUsd: z.number().optional(),
  /** When the reconciler last accounted the VM's usage. */
  usageAsOf: z.string().datetime({ offset: true }).optional(),
  /** Latest measured activity (Session Manager session or sustained CPU), from the scheduler's record. */
  lastActivityAt: z.string().datetime({ offset: true }).optional(),
  /** Hours run per UTC day of the month (index 0 = the 1st), for the page's chart. */
  dailyHours: z.array(z.number().nonnegative()).max(31).optional(),
  /** Hours this month on no day (accounted before per-day records began). */
  undatedHours: z.number().positive().optional(),
  /** What the scheduler is doing with the VM beyond its EC2 state (src/domain/fleet-row.ts lifecycleFlags). */
  lifecycle: z.array(LifecycleFlag),
  parkedAt: z.string().datetime({ offset: true }).optional(),
  /** Warned as idle: terminated at this instant unless used or kept. */
  terminateAt: z.string().datetime({ offset: true }).optional(),
  idleStoppedAt: z.string().datetime({ offset: true }).optional(),
  costCenter: z.string().optional(),
  /** The region whose prices the cost uses (the VM API's region). */
  region: z.string(),
});
export type FleetRow = z.infer<typeof FleetRow>;

/** Server-side filters of the fleet list; the project page's project comes from Forge's context, never from here. */
export const FleetListPayload = z
  .object({
    client: ClientName.optional(),
    developer: DeveloperName.optional(),
    state: VmState.optional(),
    project: ProjectKey.optional(),
    pageSize: z.number().int().min(FLEET_PAGE_SIZE_MIN).max(FLEET_PAGE_SIZE_MAX).optional(),
    pageToken: z.string().min(1).max(4096).optional(),
  })
  .strict();
export type FleetListPayload = z.infer<typeof FleetListPayload>;

export const FleetView = z.object({
  /** `site`: every VM (Jira administrators); `project`: that project's VMs only (its administrators). */
  scope: z.discriminatedUnion('kind', [z.object({ kind: z.literal('site') }), z.object({ kind: z.literal('project'), projectKey: ProjectKey })]),
  /** Bulk actions: Jira administrators only, decided on the server. */
  canAct: z.boolean(),
  rows: z.array(FleetRow),
  nextPageToken: z.string().optional(),
  /** The price table used for every cost on the page. */
  pricesAsOf: z.string(),
  pricesSource: z.string(),
  /** Calendar month (UTC) of the figures. */
  month: z.string(),
  generatedAt: z.string().datetime({ offset: true }),
});
export type FleetView = z.infer<typeof FleetView>;

/** A bulk action is at most this many VMs per call, so one call stays well inside Forge's resolver time limit. */
export const FLEET_BULK_MAX = 20;
/**
 * Bulk actions of the fleet page, each the panel's own: stop, terminate, park (the panel's Park:
 * schedule starts skipped until unparked) and keep (the panel's "Keep this VM": the idle-teardown
 * clock restarts, so the idle deadline moves out).
 */
export const FLEET_BULK_ACTIONS = ['stop', 'terminate', 'park', 'keep'] as const;
export const FleetBulkAction = z.enum(FLEET_BULK_ACTIONS);
export type FleetBulkAction = z.infer<typeof FleetBulkAction>;
export const FleetBulkPayload = z
  .object({
    action: FleetBulkAction,
    // Each VM with the issue the page shows it for: the VM API acts only when the instance's
    // JiraIssue tag matches, so a forged pair fails instead of reaching another issue's VM.
    vms: z.array(z.object({ id: InstanceId, issueKey: IssueKey }).strict()).min(1).max(FLEET_BULK_MAX, `at most ${FLEET_BULK_MAX} VMs per request`),
  })
  .strict();
export type FleetBulkPayload = z.infer<typeof FleetBulkPayload>;
export const FleetBulkResult = z.object({
  results: z.array(
    z.object({
      id: InstanceId,
      ok: z.boolean(),
      issueKey: IssueKey.optional(),
      state: VmState.optional(),
      /** After park / keep: the VM API's answer (DevVmParkedAt / DevVmKeptAt tags). */
      parkedAt: z.string().datetime({ offset: true }).optional(),
      keptAt: z.string().datetime({ offset: true }).optional(),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
    }),
  ),
});
export type FleetBulkResult = z.infer<typeof FleetBulkResult>;

/** Payload and result schema of each resolver. */
export const Resolvers = {
  [R.panelGet]: { payload: z.object({}).strict(), result: PanelView },
  [R.panelProvision]: { payload: z.object({}).strict(), result: PanelView },
  [R.panelStart]: { payload: z.object({}).strict(), result: PanelView },
  [R.panelStop]: { payload: z.object({}).strict(), result: PanelView },
  [R.panelTerminate]: { payload: z.object({}).strict(), result: PanelView },
  [R.panelKeepRunning]: { payload: KeepRunningRequest, result: PanelView },
  [R.panelUpdateSchedule]: { payload: z.object({ schedule: Schedule }).strict(), result: PanelView },
  [R.panelLifecycle]: { payload: LifecycleUpdate, result: PanelView },
  [R.adminGet]: { payload: z.object({}).strict(), result: AdminView },
  [R.adminSave]: {
    payload: z.object({ settings: Settings, secrets: SecretsInput }).strict(),
    result: z.object({ changed: z.array(z.string()), view: AdminView }),
  },
  [R.adminTestConnection]: { payload: z.object({}).strict(), result: ConnectionTestResult },
  [R.adminListStatuses]: { payload: z.object({}).strict(), result: z.object({ statuses: z.array(JiraStatusOption) }) },
  [R.adminListFields]: { payload: z.object({}).strict(), result: z.object({ fields: z.array(JiraFieldOption) }) },
  [R.adminSearchUsers]: { payload: z.object({ query: z.string().trim().min(1, 'type part of a name or e-mail address').max(100) }).strict(), result: z.object({ users: z.array(JiraUserOption) }) },
  [R.fleetList]: { payload: FleetListPayload, result: FleetView },
  [R.fleetBulk]: { payload: FleetBulkPayload, result: FleetBulkResult },
} as const satisfies Record<ResolverName, { payload: z.ZodType; result: z.ZodType }>;
export type ResolverTable = typeof Resolvers;
/** What a page sends (before defaults and transforms). */
export type ResolverPayload<N extends ResolverName> = z.input<ResolverTable[N]['payload']>;
/** What a resolver handler receives: the payload as the contract parsed it. */
export type ResolverInput<N extends ResolverName> = z.output<ResolverTable[N]['payload']>;
export type ResolverData<N extends ResolverName> = z.infer<(typeof Resolvers)[N]['result']>;
export type ResolverResult<N extends ResolverName> = { ok: true; data: ResolverData<N> } | ResolverFailure;
