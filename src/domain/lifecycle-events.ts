import { MAX_SKEW_SECONDS, STATE_OF_EVENT, type LifecycleEvent } from '../contract/events';
import type { Vm, VmState } from '../contract/vm-api';
import { isOlderThan, observationOf } from './observation';
import type { VmOwnerRecord } from './ownership';
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
function withKnownDatabases(vm: Vm, known: Vm | undefined): Vm {
  if (vm.connection.databases.length > 0 || !known || known.connection.databases.length === 0) return vm;
  return { ...vm, connection: { ...vm.connection, databases: known.connection.databases } };
}

/** The record's VM when it is the event's instance. */
function knownVmOf(prop: Stored, event: Pick<LifecycleEvent, 'instanceId'>): Vm | undefined {
  return prop.vm && prop.vm.id === event.instanceId ? prop.vm : undefined;
}

/** The state event `event` leaves the VM in (its own `state`, else the one its type implies). */
function stateAfter(event: Pick<LifecycleEvent, 'state' | 'type'>): VmState | undefined {
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

/**
 * Whether an applied state event is announced on the issue: `always`; `unless-silent` for the
 * daily start or stop, which the admin may keep off the comments; `if-asked` for a stop deferred
 * because the VM is busy, commented only when the admin asked for it (the panel shows it anyway);
 * `never` for a confirmation of the state the issue already shows.
 */
export type Announce = 'always' | 'unless-silent' | 'if-asked' | 'never';

export type EventDecision =
  /** A late event of an earlier VM of this issue: the live one stays on record, nothing is said about the old one. */
  | { kind: 'previous-instance'; liveInstanceId: string }
  /** Observed before the state on record: it must not bring back an older state, nor be announced. */
  | { kind: 'older' }
  | { kind: 'boot-already-applied' }
  | { kind: 'boot'; vm: Vm | undefined; record: Stored }
  | { kind: 'state'; vm: Vm | undefined; record: Stored; firstRun: boolean; readyAnnounced: boolean; announce: Announce };

/**
 * The issue's record is a property anyone who may edit the issue can write, so before an event is
 * decided against it, what the app's own record or the clock contradicts is dropped: a VM other
 * than the one the app recorded for the issue (vm-owner; it would make the event "a previous
 * instance"), and a last observation later than now plus the events' clock skew (it would make
 * every event "older"). Either would silence the idle warning and let a VM be terminated
 * unannounced. A first-run write-back the app recorded stays done (else the app would move the
 * issue to the "provisioned" status again, with its own rights, on the next start).
 */
export function withoutContradictedFacts(prop: Stored, recorded: VmOwnerRecord | undefined, nowMs: number): Stored {
  const foreignVm = recorded !== undefined && prop.vm !== undefined && prop.vm.id !== recorded.instanceId;
  const observedAt = prop.lastObservation ? Date.parse(prop.lastObservation.observedAt) : undefined;
  const futureObservation = observedAt !== undefined && !(observedAt <= nowMs + MAX_SKEW_SECONDS * 1000);
  const writeBackForgotten = recorded?.writeBackDone === true && !prop.provisionedWriteBackDone;
  if (!foreignVm && !futureObservation && !writeBackForgotten) return prop;
  return {
    ...prop,
    ...(foreignVm ? { vm: undefined } : {}),
    ...(futureObservation ? { lastObservation: undefined } : {}),
    ...(writeBackForgotten ? { provisionedWriteBackDone: true } : {}),
  };
}

/**
 * What a lifecycle event does to the record (`prop`, as read and readable): one decision
 * function, one result type. The web trigger writes `record`, and comments as `announce` says.
 */
export function decideLifecycleEvent(event: LifecycleEvent, prop: Stored): EventDecision {
  const live = prop.vm && prop.vm.state !== 'terminated' ? prop.vm : undefined;
  // A stored "terminated" for the old VM would let a second VM be provisioned.
  if (live && live.id !== event.instanceId) return { kind: 'previous-instance', liveInstanceId: live.id };
  if (event.type === 'vm.ready' || event.type === 'vm.boot-failed') {
    const boot = bootDecision(event, prop);
    return boot.kind === 'already-applied' ? { kind: 'boot-already-applied' } : { kind: 'boot', vm: boot.vm, record: { ...prop, ...(boot.vm ? { vm: boot.vm } : {}), boot: boot.boot } };
  }
  if (isOlderThan(event, prop.lastObservation)) return { kind: 'older' };
  const observation = observationOf(event);
  const known = knownVmOf(prop, event);
  const vm = vmAfterEvent(event, known);
  const firstRun = event.type === 'vm.running' && !prop.provisionedWriteBackDone;
  const readyAnnounced = prop.boot?.instanceId === event.instanceId && prop.boot.status === 'ready';
  // An observed state (EC2's own notification, or the reconciler's `ec2` notice of a VM it saw
  // running) that the issue already shows is not announced twice: with EC2's events, the
  // reconciler's first-running notice usually comes minutes after the event-driven one.
  const confirmation = (event.cause === 'ec2-event' || event.cause === 'ec2') && !firstRun && confirmsRecord(known?.state, stateAfter(event));
  const record: Stored = { ...prop, vm: vm ?? prop.vm, pending: undefined, ...(observation ? { lastObservation: observation } : {}), ...(firstRun ? { provisionedWriteBackDone: true } : {}) };
  const announce: Announce = confirmation ? 'never' : event.type === 'vm.stop-deferred' ? 'if-asked' : isRoutineScheduleEvent(event, firstRun) ? 'unless-silent' : 'always';
  return { kind: 'state', vm, record, firstRun, readyAnnounced, announce };
}
