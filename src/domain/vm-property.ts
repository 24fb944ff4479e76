import * as z from 'zod';
import { Vm } from '../contract/vm-api';
import { ProvisionRequest } from '../contract/vm-api';
import { Schedule } from '../contract/schedule';

/**
 * The `dev-vm` issue property: the VM record as last seen, or a provision request still being
 * retried. Kept on the issue so the panel, the trigger and the web trigger share one source
 * without a database, and so it travels with the issue.
 */
export const DEV_VM_PROPERTY = 'dev-vm';

export const DevVmProperty = z.object({
  vm: Vm.optional(),
  /** A provision request whose API call has not succeeded yet (retried through the queue). */
  pending: z
    .object({
      request: ProvisionRequest,
      attempts: z.number().int().nonnegative(),
      since: z.string(),
      /** When the queued retry is due, and why the last attempt failed: shown in the panel. */
      nextAttemptAt: z.string().optional(),
      lastError: z.string().optional(),
    })
    .optional(),
  /** The working hours last saved from the panel: the next VM of the issue uses them (vm-request withKeptSchedule). */
  schedule: Schedule.optional(),
  /** The provision request the retry queue gave up on, shown in the panel with a Retry. */
  provisionFailure: z.object({ code: z.string(), cause: z.string(), ref: z.string(), at: z.string(), attempts: z.number().int().positive() }).optional(),
  /** The idempotency key of the last provision request, so a redelivered event is recognised. */
  idempotencyKey: z.string().optional(),
  /**
   * The newest lifecycle-event observation applied to `vm` (src/domain/observation.ts): an event
   * observed earlier never replaces it, whatever order the events arrive in.
   */
  lastObservation: z.object({ instanceId: z.string(), observedAt: z.string(), sequence: z.number().int().nonnegative() }).optional(),
  /**
   * The first-boot outcome the VM signalled (vm.ready / vm.boot-failed) for `instanceId`: the ready
   * comment is posted once, and a late failure never follows a ready.
   */
  boot: z.object({ instanceId: z.string(), status: z.enum(['ready', 'failed']), step: z.string().optional(), at: z.string() }).optional(),
  /** Set once the issue has been moved to the "provisioned" status and fields written back. */
  provisionedWriteBackDone: z.boolean().optional(),
  updatedAt: z.string(),
});
export type DevVmProperty = z.infer<typeof DevVmProperty>;

/**
 * The version the app writes. Records written before versions existed carry none and have the
 * version-1 shape; a record of a higher version was written by a newer app and is not guessed at.
 * A change of shape bumps this and adds a step to `migrate` below.
 */
const DEV_VM_PROPERTY_VERSION = 1;

/** What reading the stored property found. `unreadable` is "unknown", never "no VM": callers refuse to act on it. */
export type PropertyRead = { kind: 'absent' } | { kind: 'ok'; prop: DevVmProperty } | { kind: 'unreadable'; reason: string };

/** Where a record fails the schema: paths only, never the values (the property is user-writable). */
function whereInvalid(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const paths = [...new Set(issues.map((i) => i.path.map(String).join('.') || '(the record itself)'))];
  return `${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ` and ${paths.length - 5} more` : ''} do not match what this version of the app stores`;
}

/** Explicit migration of a stored record to the current version (version 1: the unversioned shape). */
function migrate(raw: Record<string, unknown>): { ok: true; value: unknown } | { ok: false; reason: string } {
  const version = raw.version ?? 1;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return { ok: false, reason: `its version ${JSON.stringify(version).slice(0, 20)} is not one the app writes` };
  if (version > DEV_VM_PROPERTY_VERSION) return { ok: false, reason: `it was written by a newer version of the app (record version ${version}, this version reads up to ${DEV_VM_PROPERTY_VERSION})` };
  const { version: _version, ...value } = raw;
  return { ok: true, value };
}

export function readDevVmProperty(value: unknown): PropertyRead {
  if (value === undefined || value === null) return { kind: 'absent' };
  if (typeof value !== 'object' || Array.isArray(value)) return { kind: 'unreadable', reason: 'it is not a JSON object' };
  const migrated = migrate(value as Record<string, unknown>);
  if (!migrated.ok) return { kind: 'unreadable', reason: migrated.reason };
  const parsed = DevVmProperty.safeParse(migrated.value);
  return parsed.success ? { kind: 'ok', prop: parsed.data } : { kind: 'unreadable', reason: whereInvalid(parsed.error.issues) };
}

/** The record as stored: the current version, marked with it. */
export function storedForm(prop: DevVmProperty): DevVmProperty & { version: number } {
  return { version: DEV_VM_PROPERTY_VERSION, ...prop };
}

/** A VM that still exists for the issue (a terminated one no longer blocks a new request). */
export function liveVm(prop: DevVmProperty | undefined): Vm | undefined {
  const vm = prop?.vm;
  return vm && vm.state !== 'terminated' ? vm : undefined;
}

/**
 * An action's answer (start, stop, keep running, schedule) carries no usage: the VM API reads the
 * scheduler's run hours only for reads. The hours already on record for the same instance stay,
 * so the panel's "This month" does not vanish after an action.
 */
export function withKnownUsage(answer: Vm, stored: Vm | undefined): Vm {
  if (answer.usage || !stored?.usage || stored.id !== answer.id) return answer;
  return { ...answer, usage: stored.usage };
}
