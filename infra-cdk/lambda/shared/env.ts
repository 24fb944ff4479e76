import * as z from 'zod';
import { DbNamespace, InstanceType } from '../../../src/contract/names';
import { OsId } from '../../../src/contract/vm-api';
import { UserDataInput } from '../../../src/domain/user-data';

/**
 * The environment each Lambda reads, parsed once at cold start into a frozen typed object.
 * The CDK stack (infra-cdk/lib) sets exactly these variables; a missing or malformed one fails
 * the cold start loudly instead of surfacing as a confusing error on the first request.
 * Both sides import this module, so a renamed variable is a compile error, not a runtime one.
 */

const csv = <T extends z.ZodType>(item: T) =>
  z.string().transform((s, ctx) => {
    const parts = s.split(',').map((p) => p.trim()).filter(Boolean);
    const out: z.infer<T>[] = [];
    for (const p of parts) {
      const r = item.safeParse(p);
      if (!r.success) {
        ctx.addIssue({ code: 'custom', message: `bad list item ${JSON.stringify(p)}` });
        return z.NEVER;
      }
      out.push(r.data as z.infer<T>);
    }
    return out;
  });

const jsonOf = <T extends z.ZodType>(schema: T) =>
  z.string().transform((s, ctx) => {
    try {
      const r = schema.safeParse(JSON.parse(s));
      if (r.success) return r.data as z.infer<T>;
      ctx.addIssue({ code: 'custom', message: r.error.message });
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
    }
    return z.NEVER;
  });

const optionalPort = z.coerce.number().int().min(1).max(65535);

/** Shared by every function. */
const Common = z.object({
  AWS_REGION: z.string().min(1),
  /** Value of the ManagedBy tag that marks this stack's instances (IAM conditions use it too). */
  MANAGED_BY: z.string().min(1),
  /** Prefix of every Secrets Manager name the stack creates, e.g. `dev-vm/`. */
  SECRET_PREFIX: z.string().regex(/^[A-Za-z0-9/_+=.@-]+\/$/),
  /** Where the lifecycle events go. */
  EVENT_BUS_NAME: z.string().min(1),
  /** S3 bucket with the scheduler's state object (last run, per-VM run hours, pending starts). */
  STATE_BUCKET: z.string().min(1),
  STATE_KEY: z.string().default('scheduler/state.json'),
});

/** SSM parameter (name) with the admin's idle and stop rules (shared/idle-policy.ts); the VM API writes it, the reconciler reads it. */
const IdlePolicyParameter = z.string().regex(/^\/[A-Za-z0-9_.\-/]+$/, 'must be an SSM parameter name such as /dev-vm/idle-policy');

export const VmApiEnv = Common.extend({
  IDLE_POLICY_PARAMETER: IdlePolicyParameter,
  /** Database name space (src/contract/names.ts DbNamespace): prefixes client databases, changes login hashes. Empty: none. */
  DB_NAMESPACE: DbNamespace.default(''),
  /** Private subnets VMs are launched into (comma-separated), spread round-robin. */
  VM_SUBNET_IDS: csv(z.string().regex(/^subnet-[0-9a-f]+$/)),
  /** Launch template id per OS: `{"al2023":"lt-…","ubuntu-24.04":"lt-…"}`. */
  LAUNCH_TEMPLATES: jsonOf(z.partialRecord(OsId, z.string().regex(/^lt-[0-9a-f]+$/))),
  ALLOWED_INSTANCE_TYPES: csv(InstanceType),
  ALLOWED_OS: csv(OsId),
  EFS_FILE_SYSTEM_ID: z.string().regex(/^fs-[0-9a-f]+$/),
  /** Master credentials secrets (ARN) and endpoints; absent when that engine is switched off. */
  POSTGRES_SECRET_ARN: z.string().optional(),
  POSTGRES_HOST: z.string().optional(),
  POSTGRES_PORT: optionalPort.default(5432),
  MYSQL_SECRET_ARN: z.string().optional(),
  MYSQL_HOST: z.string().optional(),
  MYSQL_PORT: optionalPort.default(3306),
  /**
   * Per-developer instance roles: the API creates one role + instance profile per developer under
   * this IAM path, with the stack's managed policy attached and its permissions boundary set, and
   * tags it DeveloperName so the policy's `${aws:PrincipalTag/DeveloperName}` condition gives a VM
   * read access to its own developer's database secret only.
   */
  INSTANCE_ROLE_PATH: z.string().regex(/^\/[A-Za-z0-9_+=,.@/-]*\/$/).default('/dev-vm/'),
  INSTANCE_POLICY_ARN: z.string().startsWith('arn:'),
  INSTANCE_BOUNDARY_ARN: z.string().startsWith('arn:'),
  /** First POSIX uid/gid handed to developers' EFS access points. */
  // Same ceiling as the CDK's uidBase flag (infra-cdk/lib/config.ts): the user data accepts uids up
  // to UserDataInput's maximum, and developers take the ids above UID_BASE.
  UID_BASE: z.coerce.number().int().min(1000).max(Math.min(UserDataInput.shape.uid.maxValue ?? 4_294_967_294, UserDataInput.shape.gid.maxValue ?? 4_294_967_294) - 1_000_000).default(20000),
  APP_VERSION: z.string().default('dev'),
  /**
   * ARN of the stack's Forge app IAM user: the only caller the VM API serves. The function URL's
   * IAM auth proves who signed, not that it was this principal (any same-account principal with
   * lambda:InvokeFunctionUrl passes it), so the handler compares
   * `requestContext.authorizer.iam.userArn` with this value.
   */
  FORGE_CALLER_ARN: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:user\/\S+$/),
});
export type VmApiEnv = z.infer<typeof VmApiEnv>;

export const ReconcilerEnv = Common.extend({
  IDLE_POLICY_PARAMETER: IdlePolicyParameter,
  /** Days a VM may stay stopped before the idle reaper terminates it. */
  IDLE_DAYS: z.coerce.number().int().min(3).max(365).default(30),
  /** Days before termination that the idle warning is sent. */
  IDLE_WARNING_DAYS: z.coerce.number().int().min(1).max(30).default(3),
  /** Minutes between runs (EventBridge Scheduler rate); used to judge missed runs and accounting. */
  INTERVAL_MINUTES: z.coerce.number().int().min(1).max(60).default(5),
  /** Minutes without a session or sustained CPU before a running VM is stopped; 0 = off. A VM's DevVmIdleStopMinutes tag overrides it. */
  IDLE_STOP_MINUTES: z.coerce.number().int().min(0).max(1440).default(60),
  /** CPUUtilization (%) at or above which a 5-minute sample counts as busy. */
  CPU_BUSY_PERCENT: z.coerce.number().min(1).max(100).default(10),
  /** Consecutive busy minutes that make CPU count as activity (a boot spike does not). */
  CPU_BUSY_MINUTES: z.coerce.number().int().min(5).max(240).default(15),
  /** A busy VM's scheduled stop is re-checked every this many minutes... */
  STOP_DEFER_STEP_MINUTES: z.coerce.number().int().min(5).max(240).default(30),
  /** ...up to this many minutes after the boundary; 0 = never defer. */
  STOP_DEFER_MAX_MINUTES: z.coerce.number().int().min(0).max(720).default(180),
  /** Minutes after launch by which a VM's first boot must signal ready, else it is reported failed; 0 = off. */
  BOOT_DEADLINE_MINUTES: z.coerce.number().int().min(0).max(1440).default(30),
  /** Session Manager history read per run (sessions started this long ago or later). */
  ACTIVITY_HISTORY_HOURS: z.coerce.number().int().min(1).max(720).default(24),
});
export type ReconcilerEnv = z.infer<typeof ReconcilerEnv>;

export const NotifierEnv = Common.extend({
  /** Secrets Manager ARN of the HMAC secret shared with the Forge app. */
  HMAC_SECRET_ARN: z.string().min(1),
  /** SSM parameter (name) holding the Lifecycle events URL; set by the admin after install. */
  WEBTRIGGER_URL_PARAMETER: z.string().min(1),
});
export type NotifierEnv = z.infer<typeof NotifierEnv>;

/** Parse `process.env` (or a given record) or throw one error naming every bad variable. */
export function loadEnv<T extends z.ZodType>(schema: T, source: Record<string, string | undefined> = process.env): z.infer<T> {
  const r = schema.safeParse(source);
  if (!r.success) {
    const names = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid Lambda environment: ${names}`);
  }
  return Object.freeze(r.data) as z.infer<T>;
}
