import { pendingIsStale } from './retry';
import { liveVm, type DevVmProperty } from './vm-property';
import { idempotencyKeyFor } from './vm-request';

/**
 * Which idempotency key a provision request goes out under, and when none goes out at all: the
 * one policy of the trigger (issue-updated.ts), the queue consumer and the panel. The key becomes
 * the VM API's ClientToken and the instance's tag, so the same key never launches a second VM.
 */

/**
 * The key of a provisioning transition: Forge redelivers events (our InvocationError, or its own
 * at-least-once delivery) with the same changelog id, so a redelivery yields the same key.
 */
export function transitionKey(issueId: string, changelogId: string): string {
  return idempotencyKeyFor(issueId, `cl${changelogId}`);
}

/**
 * The key of a Provision click: one per minute, so a double click launches one VM. The replaced VM
 * is part of it: a new VM after a terminated one within the same minute is a new request, not a
 * replay of the first (which the API would answer with the old VM).
 */
export function panelKey(issueId: string, now: Date, replacedVmId: string | undefined): string {
  const after = replacedVmId ? `-after-${replacedVmId}` : '';
  return idempotencyKeyFor(issueId, `panel${Math.floor(now.getTime() / 60_000)}${after}`);
}

/** Whether the transition with key `ownKey` was already handled: its request went out and is not being retried. */
export function alreadyHandled(prop: DevVmProperty | undefined, ownKey: string): boolean {
  return prop?.idempotencyKey === ownKey && !prop.pending;
}

/**
 * Whether a queued retry of the request with `key` should still be sent: only while the issue has
 * no live VM and its record still holds that very request (a VM arrived, or the request was
 * cancelled or replaced, and the job does nothing).
 */
export function queuedRetryWanted(prop: DevVmProperty | undefined, key: string): boolean {
  return !liveVm(prop) && prop?.pending?.request.idempotencyKey === key;
}

export type KeyDecision = { kind: 'queued' } | { kind: 'send'; idempotencyKey: string };

/**
 * A request still being retried keeps its key: its first call may have launched a VM whose
 * answer was lost, so a new key could launch a second one. While the queue has it, nothing more is
 * sent; past the retry window (its queued job was lost) it is sent again, same key. Otherwise the
 * caller's fresh key is used.
 */
export function provisionKey(prop: DevVmProperty | undefined, freshKey: string, now: Date): KeyDecision {
  const pending = prop?.pending;
  if (pending && !pendingIsStale(pending.since, now)) return { kind: 'queued' };
  return { kind: 'send', idempotencyKey: pending?.request.idempotencyKey ?? freshKey };
}
