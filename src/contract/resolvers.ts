import { z } from 'zod';
import { ErrorCode } from './errors';
import { IssueKey } from './names';
import { Schedule } from './schedule';
import { SecretsInput, SecretsView, Settings } from './settings';
import { KeepRunningRequest, Vm } from './vm-api';

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
  adminGet: 'admin.get',
  adminSave: 'admin.save',
  adminTestConnection: 'admin.testConnection',
  adminListStatuses: 'admin.listStatuses',
  adminListFields: 'admin.listFields',
  adminSearchUsers: 'admin.searchUsers',
} as const;
export type ResolverName = (typeof R)[keyof typeof R];

/** Every resolver answers with this envelope, so the page can show the reason of a failure. */
export const ResolverFailure = z.object({
  ok: z.literal(false),
  error: z.object({
    code: z.union([ErrorCode, z.enum(['NOT_CONFIGURED', 'FORBIDDEN'])]),
    message: z.string(),
    field: z.string().optional(),
    /**
     * The user-facing code of a failed VM API call (src/domain/user-errors.ts); when present,
     * `message` is its cause and already says what to do.
     */
    userCode: z.string().regex(/^[A-Z_]{1,40}$/).optional(),
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
  pricesAsOf: z.string(),
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
});
export type PanelView = z.infer<typeof PanelView>;

export const ChecklistItem = z.object({ id: z.string(), label: z.string(), done: z.boolean() });
export const AdminView = z.object({
  settings: Settings,
  secrets: SecretsView,
  webtriggerUrl: z.string().optional(),
  checklist: z.array(ChecklistItem),
});
export type AdminView = z.infer<typeof AdminView>;

export const ConnectionTestResult = z.object({
  ok: z.boolean(),
  /** `dns`, `timeout`, `signature` (403), `not-found` (404), `not-configured`, `bad-response`, `http`, `network` (nothing answered). */
  reason: z.string().optional(),
  message: z.string(),
  status: z.number().optional(),
});
export type ConnectionTestResult = z.infer<typeof ConnectionTestResult>;

export const JiraStatusOption = z.object({ id: z.string(), name: z.string(), category: z.string().optional() });
/** A Jira user as the admin page's identity-map picker shows it. */
export const JiraUserOption = z.object({ accountId: z.string(), displayName: z.string() });
export type JiraUserOption = z.infer<typeof JiraUserOption>;
export const JiraFieldOption = z.object({ id: z.string(), name: z.string(), type: z.string().optional(), custom: z.boolean() });

/** Payload and result schema of each resolver. */
export const Resolvers = {
  [R.panelGet]: { payload: z.object({}).strict(), result: PanelView },
  [R.panelProvision]: { payload: z.object({}).strict(), result: PanelView },
  [R.panelStart]: { payload: z.object({}).strict(), result: PanelView },
  [R.panelStop]: { payload: z.object({}).strict(), result: PanelView },
  [R.panelTerminate]: { payload: z.object({}).strict(), result: PanelView },
  [R.panelKeepRunning]: { payload: KeepRunningRequest, result: PanelView },
  [R.panelUpdateSchedule]: { payload: z.object({ schedule: Schedule }).strict(), result: PanelView },
  [R.adminGet]: { payload: z.object({}).strict(), result: AdminView },
  [R.adminSave]: {
    payload: z.object({ settings: Settings, secrets: SecretsInput }).strict(),
    result: z.object({ changed: z.array(z.string()), view: AdminView }),
  },
  [R.adminTestConnection]: { payload: z.object({}).strict(), result: ConnectionTestResult },
  [R.adminListStatuses]: { payload: z.object({}).strict(), result: z.object({ statuses: z.array(JiraStatusOption) }) },
  [R.adminListFields]: { payload: z.object({}).strict(), result: z.object({ fields: z.array(JiraFieldOption) }) },
  [R.adminSearchUsers]: { payload: z.object({ query: z.string().trim().min(1, 'type part of a name or e-mail address').max(100) }).strict(), result: z.object({ users: z.array(JiraUserOption) }) },
} as const satisfies Record<ResolverName, { payload: z.ZodType; result: z.ZodType }>;
export type ResolverPayload<N extends ResolverName> = z.input<(typeof Resolvers)[N]['payload']>;
export type ResolverData<N extends ResolverName> = z.infer<(typeof Resolvers)[N]['result']>;
export type ResolverResult<N extends ResolverName> = { ok: true; data: ResolverData<N> } | ResolverFailure;
