import * as z from 'zod';
import { ClientName, DeveloperName, InstanceId, IssueKey } from './names';
import { TestNonce, Vm, VmState } from './vm-api';

/**
 * Lifecycle events the AWS side publishes (EventBridge, source `dev-vm-for-jira`) and the
 * notifier Lambda delivers to the Forge web trigger, signed with HMAC-SHA256.
 */
export const EVENT_SOURCE = 'dev-vm-for-jira';
export const LIFECYCLE_EVENT_TYPES = ['vm.running', 'vm.stopped', 'vm.start-failed', 'vm.idle-warning', 'vm.terminated', 'vm.ready', 'vm.boot-failed', 'vm.stop-deferred'] as const;
export const LifecycleEventType = z.enum(LIFECYCLE_EVENT_TYPES);
export type LifecycleEventType = z.infer<typeof LifecycleEventType>;

/**
 * The state each event type reports for its VM: what the issue shows after it. An idle warning
 * concerns a stopped VM; a failed start leaves it stopped (the reason says why).
 */
export const STATE_OF_EVENT: Readonly<Record<LifecycleEventType, VmState>> = {
  'vm.running': 'running',
  'vm.stopped': 'stopped',
  'vm.start-failed': 'stopped',
  'vm.idle-warning': 'stopped',
  'vm.terminated': 'terminated',
  // The first boot finished (or failed) on a running instance: it stays running either way.
  'vm.ready': 'running',
  'vm.boot-failed': 'running',
  // The scheduled stop waits because the VM is busy: it keeps running.
  'vm.stop-deferred': 'running',
};

/**
 * First-boot steps the user data reports (src/domain/user-data.ts writes them to the instance's
 * DevVmBootStatus tag as `step:<name>`, then `ready` or `failed:<name>`).
 */
// `start`: the script failed before its first step began (its own set-up).
export const BOOT_STEPS = ['start', 'ssm-agent', 'packages', 'efs-utils', 'user', 'home', 'credentials', 'profile'] as const;
export const BootStep = z.enum(BOOT_STEPS);
export type BootStep = z.infer<typeof BootStep>;

export const LifecycleEvent = z.object({
  /** Unique per event; the web trigger rejects a repeated id. */
  id: z.string().uuid(),
  type: LifecycleEventType,
  time: z.string().datetime({ offset: true }),
  instanceId: InstanceId,
  issueKey: IssueKey,
  client: ClientName,
  developer: DeveloperName,
  /**
   * Who or what caused it: `schedule`, `idle-reaper` (teardown), `idle-stop` (no activity within
   * working hours), `api`, `ec2` for a state seen on a later run, `ec2-event` for EC2's own
   * state-change notification (it often confirms a state an earlier event already reported),
   * `boot` for the VM's first-boot signal (vm.ready, vm.boot-failed).
   */
  cause: z.enum(['schedule', 'idle-reaper', 'idle-stop', 'api', 'ec2', 'ec2-event', 'boot']),
  /** Human-readable reason, e.g. the EC2 state reason of a failed start. */
  reason: z.string().optional(),
  /** For `vm.boot-failed`: the first-boot step that failed, or the last one started when it timed out. */
  bootStep: BootStep.optional(),
  /** For `vm.boot-failed` reported by the reconciler: no ready signal within this many minutes of launch. */
  bootTimedOutMinutes: z.number().int().positive().optional(),
  /** For `vm.stop-deferred`: the scheduled stop waits until then, and what keeps the VM busy. */
  deferredUntil: z.string().datetime({ offset: true }).optional(),
  busy: z.array(z.enum(['session', 'cpu'])).optional(),
  /** For `vm.idle-warning`: when the VM will be terminated. */
  terminateAt: z.string().datetime({ offset: true }).optional(),
  /** The VM as the API would return it, when known (always on `vm.running`); its `state` is `state`. */
  vm: Vm.optional(),
  /**
   * The instance's state as this event reports it (for `vm.stopped`: `stopped`, EC2 accepted the
   * stop), observed at `observedAt`; `sequence` orders events of one instance observed at the same
   * instant. Receivers never let an older observation replace a newer one (delivery order is not
   * publish order). Optional so events published before these fields existed still parse; a
   * missing `observedAt` counts as the oldest observation.
   */
  state: VmState.optional(),
  observedAt: z.string().datetime({ offset: true }).optional(),
  sequence: z.number().int().nonnegative().optional(),
});
export type LifecycleEvent = z.infer<typeof LifecycleEvent>;

/**
 * Signature scheme of the web trigger call:
 *   X-DevVm-Timestamp: unix seconds
 *   X-DevVm-Signature: v1=<hex HMAC-SHA256(secret, `${timestamp}.${rawBody}`)>
 * Receivers reject timestamps more than MAX_SKEW_SECONDS from their clock and repeated event ids.
 */
export const SIGNATURE_HEADER = 'x-devvm-signature';
export const TIMESTAMP_HEADER = 'x-devvm-timestamp';
export const SIGNATURE_VERSION = 'v1';
export const MAX_SKEW_SECONDS = 300;
export const signedPayload = (timestamp: string, rawBody: string): string => `${timestamp}.${rawBody}`;

/**
 * The connection test's event (admin page, "Test connection"): the app asks the VM API for it
 * with a fresh nonce, the API puts it on the lifecycle bus, and the notifier signs and delivers it
 * to the Lifecycle events URL exactly as it delivers lifecycle events. The web trigger verifies
 * it, records the nonce's verdict and acts on nothing else; the notifier records the HTTP status
 * it got (TestDelivery) where the API can read it back.
 */
export const CONNECTION_TEST_TYPE = 'connection.test';
export const ConnectionTestEvent = z
  .object({
    id: z.string().uuid(),
    type: z.literal(CONNECTION_TEST_TYPE),
    time: z.string().datetime({ offset: true }),
    nonce: TestNonce,
  })
  .strict();
export type ConnectionTestEvent = z.infer<typeof ConnectionTestEvent>;

/** Where (in the stack's state bucket) the notifier leaves a test delivery's outcome for the API. */
export const TEST_DELIVERY_PREFIX = 'connection-tests/';
export const testDeliveryKey = (nonce: string): string => `${TEST_DELIVERY_PREFIX}${nonce}.json`;
