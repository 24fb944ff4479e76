import * as z from 'zod';
import { InstanceType } from './names';
import { Schedule } from './schedule';
import { OsId } from './vm-api';

/**
 * Per-installation settings of the Forge app, kept in @forge/kvs. The three secrets are kept
 * apart with kvs.setSecret and never leave the backend: pages see only whether each is set and
 * a masked access key id.
 */

export const FIELD_ROLES = ['client', 'developer', 'instanceType', 'os', 'start', 'stop', 'timezone', 'days'] as const;
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
export const CommentSettings = z.object({
  scheduledStartStop: ScheduledStartStopMode.default('comment'),
});
export type CommentSettings = z.infer<typeof CommentSettings>;
export const DEFAULT_COMMENT_SETTINGS: CommentSettings = { scheduledStartStop: 'comment' };

/** Field references are Jira field ids (`summary`, `customfield_10042`), chosen by name on the admin page. */
const FieldId = z.string().regex(/^[a-zA-Z0-9_]{1,64}$/);

export const Policy = z.object({
  allowedInstanceTypes: z.array(InstanceType).min(1, 'allow at least one instance type'),
  allowedOs: z.array(OsId).min(1, 'allow at least one operating system'),
  defaultSchedule: Schedule,
  idleDays: z.number().int().min(3).max(365),
});
export type Policy = z.infer<typeof Policy>;

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
