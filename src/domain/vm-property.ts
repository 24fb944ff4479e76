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

export function parseDevVmProperty(value: unknown): DevVmProperty | undefined {
  const parsed = DevVmProperty.safeParse(value);
  return parsed.success ? parsed.data : undefined;
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
