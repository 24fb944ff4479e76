import { STATE_OF_EVENT, type LifecycleEvent } from '../contract/events';
import type { Vm, VmState } from '../contract/vm-api';
import type { DevVmProperty } from './vm-property';

/**
 * What a lifecycle event from the AWS side means for the record: the VM record after it,
 * whether it is news or a confirmation, whether it is routine, and what a first-boot signal
 * changes. Pure; the web trigger (webtrigger.ts) loads the record, asks here, and writes.
 */

type Stored = Omit<DevVmProperty, 'updatedAt'>;

/**
 * The scheduler knows no database endpoints, so its events carry a VM without database lines;
 * the ones the API returned at provisioning (stored on the issue) are kept in that case.
 */
export function withKnownDatabases(vm: Vm, known: Vm | undefined): Vm {
  if (vm.connection.databases.length > 0 || !known || known.connection.databases.length === 0) return vm;
  return { ...vm, connection: { ...vm.connection, databases: known.connection.databases } };
}

/** The record's VM when it is the event's instance. */
export function knownVmOf(prop: Stored, event: Pick<LifecycleEvent, 'instanceId'>): Vm | undefined {
  return prop.vm && prop.vm.id === event.instanceId ? prop.vm : undefined;
}

/** The state event `event` leaves the VM in (its own `state`, else the one its type implies). */
export function stateAfter(event: Pick<LifecycleEvent, 'state' | 'type'>): VmState | undefined {
  return event.state ?? STATE_OF_EVENT[event.type];
}

/** The VM record after a state event: the event's own VM, else the known one in its new state. */
export function vmAfterEvent(event: LifecycleEvent, known: Vm | undefined): Vm | undefined {
  if (event.vm) return withKnownDatabases(event.vm, known);
  const next = stateAfter(event);
  return known && next ? { ...known, state: next, ...(event.reason ? { stateReason: event.reason } : {}) } : known;
}

/**
 * An observation (cause `ec2-event` or `ec2`) of the state the issue already shows, or of the
 * settled end of the transition on record (the API answered `stopping` to a stop, `shutting-down`
 * to a terminate, `pending` to a start, and already said so in a comment): it updates the
 * observation but is not announced twice. A state nobody announced (a shutdown from inside the VM)
 * still is.
 */
const SETTLES: Readonly<Partial<Record<VmState, VmState>>> = { stopping: 'stopped', 'shutting-down': 'terminated', pending: 'running' };
export function confirmsRecord(onRecord: VmState | undefined, next: VmState | undefined): boolean {
  if (!onRecord || !next) return false;
  return onRecord === next || SETTLES[onRecord] === next;
}

/**
 * The daily start or stop of working hours, which the admin may keep off the issue's comments
 * (the property still updates, so the panel shows the state). The first `running` carries the
 * connection details and is never routine; neither are failures or other causes. EC2's own
 * state-change notification of a start or stop counts as routine too: it usually confirms the
 * schedule's action, and may arrive before the reconciler's own event.
 */
export function isRoutineScheduleEvent(event: Pick<LifecycleEvent, 'cause' | 'type'>, firstRun: boolean): boolean {
  if (event.cause !== 'schedule' && event.cause !== 'ec2-event') return false;
  return event.type === 'vm.stopped' || (event.type === 'vm.running' && !firstRun);
}

export type BootDecision = { kind: 'already-applied' } | { kind: 'apply'; vm: Vm | undefined; boot: NonNullable<DevVmProperty['boot']> };

/**
 * A first-boot signal (vm.ready / vm.boot-failed). It reports boot progress, not an instance
 * state, so it is not ordered against state observations; the outcome is kept per instance:
 * "ready" is applied once, a failure after a ready is ignored, the same failed step twice is one
 * failure. A ready after a failure (the boot script was re-run and finished) is applied.
 */
export function bootDecision(event: LifecycleEvent, prop: Stored): BootDecision {
  const outcome = prop.boot?.instanceId === event.instanceId ? prop.boot : undefined;
  const failedAgain = event.type === 'vm.boot-failed' && outcome?.status === 'failed' && outcome.step === event.bootStep;
  if (outcome?.status === 'ready' || failedAgain) return { kind: 'already-applied' };
  const known = knownVmOf(prop, event);
  // The signal proves the instance ran; a record still saying "pending" is out of date.
  const vm = event.vm ? withKnownDatabases(event.vm, known) : known && known.state === 'pending' ? { ...known, state: 'running' as const } : known;
  const boot = { instanceId: event.instanceId, status: event.type === 'vm.ready' ? ('ready' as const) : ('failed' as const), ...(event.bootStep ? { step: event.bootStep } : {}), at: event.time };
  return { kind: 'apply', vm, boot };
}
