import * as z from 'zod';
import { DEFAULT_IDLE_RULES, IdleRules } from './idle-policy';
import { ClientName, DeveloperName, InstanceType } from './names';
import { Schedule } from './schedule';
import { OsId } from './vm-api';

/**
 * Per-installation settings of the Forge app, kept in @forge/kvs. The three secrets are kept
 * apart with kvs.setSecret and never leave the backend: pages see only whether each is set and
 * a masked access key id.
 */

export const FIELD_ROLES = ['client', 'developer', 'instanceType', 'os', 'start', 'stop', 'timezone', 'days', 'costCenter'] as const;
export const FieldRole = z.enum(FIELD_ROLES);
export type FieldRole = z.infer<typeof FieldRole>;
export const FIELD_ROLE_LABELS: Record<FieldRole, string> = {
  client: 'Client',
  developer: 'Developer',
  instanceType: 'Instance type',
  os: 'Operating system',
  start: 'Start time',
  stop: 'Stop time',
  timezone: 'Time zone',
  days: 'Working days',
  costCenter: 'Cost center',
};

export const WRITE_BACK_ROLES = ['instanceId', 'amiId', 'privateIp'] as const;
export const WriteBackRole = z.enum(WRITE_BACK_ROLES);
export type WriteBackRole = z.infer<typeof WriteBackRole>;

export const AWS_REGION_RE = /^[a-z]{2}(?:-gov)?-[a-z]+-\d$/;
export const AwsRegion = z.string().regex(AWS_REGION_RE, 'must be an AWS region such as "eu-west-1"');

/**
 * The API URL must be https (Forge egress and SigV4 over TLS); plain http is accepted only for a
 * loopback address, which is what the local preview and the tests serve the API on.
 */
export const ApiUrl = z
  .string()
  .url('must be a URL such as https://abc123.lambda-url.eu-west-1.on.aws/')
  .refine((u) => u.startsWith('https://') || /^http:\/\/(?:127\.0\.0\.1|localhost)(?::\d+)?(?:\/|$)/.test(u), 'must start with https://');

export const ON_CLOSE_ACTIONS = ['nothing', 'stop', 'terminate'] as const;
export const OnCloseAction = z.enum(ON_CLOSE_ACTIONS);

/**
 * What the daily scheduled start and stop of a VM (lifecycle events with cause `schedule`) do on
 * its issue: a short comment (the default), or only the panel's state, so watchers are not sent
 * two e-mails a day per VM. The first start, failures, idle warnings and terminations always comment.
 */
export const SCHEDULED_START_STOP_MODES = ['comment', 'silent'] as const;
export const ScheduledStartStopMode = z.enum(SCHEDULED_START_STOP_MODES);
export type ScheduledStartStopMode = z.infer<typeof ScheduledStartStopMode>;
/**
 * A scheduled stop deferred because the VM is busy: the panel always shows it; `comment` also posts
 * one line per deferred stop. Off by default: the person it concerns is working on the VM.
 */
export const DeferredStopMode = z.enum(['comment', 'silent']);
export const CommentSettings = z.object({
  scheduledStartStop: ScheduledStartStopMode.default('comment'),
  /** Added later: settings stored before it parse to `silent`. */
  deferredStop: DeferredStopMode.default('silent'),
});
export type CommentSettings = z.infer<typeof CommentSettings>;
export const DEFAULT_COMMENT_SETTINGS: CommentSettings = { scheduledStartStop: 'comment', deferredStop: 'silent' };

/** Field references are Jira field ids (`summary`, `customfield_10042`), chosen by name on the admin page. */
const FieldId = z.string().regex(/^[a-zA-Z0-9_]{1,64}$/);

export const Policy = z.object({
  allowedInstanceTypes: z.array(InstanceType).min(1, 'allow at least one instance type'),
  allowedOs: z.array(OsId).min(1, 'allow at least one operating system'),
  defaultSchedule: Schedule,
  idleDays: z.number().int().min(3).max(365),
});
export type Policy = z.infer<typeof Policy>;

/** A Jira Cloud account id as Jira reports it (`5b10a2844c20165700ede21a`, `557058:…`, `qm:…`). */
export const AccountId = z.string().regex(/^[A-Za-z0-9:_-]{1,128}$/, 'must be a Jira account id (pick the person with the user picker)');

/**
 * Who may get a dev VM as which developer, and for which clients. Kept by Jira administrators on
 * the admin page. A request names a developer (Jira field) and a client; it is honoured only if
 * that developer is mapped to the issue's assignee or reporter (an administrator acting in the
 * panel may provision for any mapped developer) and the client is allowed for that developer.
 */
export const IdentityEntry = z.object({
  developer: DeveloperName,
  accountId: AccountId,
  /** Shown on the admin page only; Jira's display name when the person was picked. */
  displayName: z.string().max(255).optional(),
  /** Clients whose databases this developer may get, or `any`. */
  clients: z.union([z.literal('any'), z.array(ClientName)]),
});
export type IdentityEntry = z.infer<typeof IdentityEntry>;

export const Identity = z
  .object({
    developers: z.array(IdentityEntry).default([]),
    /** Clients a request may name. Others are refused unless `allowNewClients` (so a typo cannot create a database). */
    knownClients: z.array(ClientName).default([]),
    allowNewClients: z.boolean().default(false),
  })
  .superRefine((identity, ctx) => {
    // Every problem at once, each naming its row, so the admin fixes them in one pass.
    const byName = new Map<string, number>();
    const byAccount = new Map<string, number>();
    identity.developers.forEach((d, i) => {
      const n = byName.get(d.developer);
      if (n !== undefined) ctx.addIssue({ code: 'custom', path: ['developers', i, 'developer'], message: `developer name "${d.developer}" is already mapped in row ${n + 1}; one Jira account per developer name` });
      else byName.set(d.developer, i);
      const a = byAccount.get(d.accountId);
      if (a !== undefined) ctx.addIssue({ code: 'custom', path: ['developers', i, 'accountId'], message: `this Jira user already has developer name "${identity.developers[a]?.developer ?? ''}" (row ${a + 1}); one developer name per Jira user` });
      else byAccount.set(d.accountId, i);
    });
    const seen = new Set<string>();
    identity.knownClients.forEach((c, i) => {
      if (seen.has(c)) ctx.addIssue({ code: 'custom', path: ['knownClients', i], message: `client "${c}" is listed twice` });
      seen.add(c);
    });
  });
export type Identity = z.infer<typeof Identity>;
export const DEFAULT_IDENTITY: Identity = { developers: [], knownClients: [], allowNewClients: false };

/** What is stored (minus secrets) and what the admin page edits. */
export const Settings = z.object({
  apiUrl: ApiUrl.optional(),
  region: AwsRegion.optional(),
  statuses: z.object({
    /** Status ids whose entry provisions a VM. */
    provision: z.array(z.string()).default([]),
    stop: z.array(z.string()).default([]),
    terminate: z.array(z.string()).default([]),
    /** Status the app moves the issue to when the VM first runs (optional). */
    provisioned: z.string().optional(),
  }),
  /** What entering a "done" status category does when it is not listed above. */
  onClose: OnCloseAction.default('stop'),
  fields: z.partialRecord(FieldRole, FieldId).default({}),
  writeBack: z.partialRecord(WriteBackRole, FieldId).default({}),
  policy: Policy,
  /** Added later: settings stored before it parse to the default. */
  comments: CommentSettings.default(DEFAULT_COMMENT_SETTINGS),
  /** Added later: settings stored before it parse to an empty map (every request refused until an admin maps developers). */
  identity: Identity.default(DEFAULT_IDENTITY),
  /**
   * Idle and stop rules of the fleet (with `policy.idleDays`), sent to the reconciler through the
   * VM API on save (src/contract/idle-policy.ts). Added later: settings stored before it parse to
   * the stack's defaults.
   */
  idle: IdleRules.default(DEFAULT_IDLE_RULES),
});
export type Settings = z.infer<typeof Settings>;
export type SettingsInput = z.input<typeof Settings>;

export const DEFAULT_POLICY: Policy = {
  allowedInstanceTypes: ['t3.medium', 't3.large', 't3.xlarge', 'm7i.large', 'm7i.xlarge'],
  allowedOs: ['al2023', 'ubuntu-24.04'],
  defaultSchedule: { start: '08:00', stop: '18:00', timezone: 'UTC', days: 'MON-FRI', enabled: true },
  idleDays: 30,
};

export const DEFAULT_SETTINGS: Settings = {
  statuses: { provision: [], stop: [], terminate: [] },
  onClose: 'stop',
  fields: {},
  writeBack: {},
  policy: DEFAULT_POLICY,
  comments: DEFAULT_COMMENT_SETTINGS,
  identity: DEFAULT_IDENTITY,
  idle: DEFAULT_IDLE_RULES,
};

/** Secrets as the admin page sends them: absent = unchanged, empty string = clear. */
export const SecretsInput = z
  .object({
    accessKeyId: z.string().regex(/^(AKIA|ASIA)[A-Z0-9]{16}$/, 'must be an AWS access key id (AKIA…)').or(z.literal('')).optional(),
    secretAccessKey: z.string().min(40, 'must be the 40-character secret access key').max(128).or(z.literal('')).optional(),
    hmacSecret: z.string().min(32, 'must be at least 32 characters (the value of the secret named by the stack output HmacSecretName)').max(256).or(z.literal('')).optional(),
  })
  .strict();
export type SecretsInput = z.infer<typeof SecretsInput>;

/** What a page may learn about the secrets. */
export const SecretsView = z.object({
  accessKeyIdMasked: z.string().optional(),
  hasSecretAccessKey: z.boolean(),
  hasHmacSecret: z.boolean(),
});
export type SecretsView = z.infer<typeof SecretsView>;

export const maskAccessKeyId = (id: string): string => (id.length > 8 ? `${id.slice(0, 4)}${'•'.repeat(id.length - 8)}${id.slice(-4)}` : '••••');
