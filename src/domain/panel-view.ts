import type { PanelView } from '../contract/resolvers';
import type { Policy, Settings } from '../contract/settings';
import type { Vm } from '../contract/vm-api';
import type { ActDecision } from './permissions';
import { MAX_PROVISION_ATTEMPTS, pendingIsStale } from './retry';
import { nextBoundaries } from './schedule';
import { nextStop } from './stop-rule';
import { vmCost } from './vm-cost';
import type { DevVmProperty } from './vm-property';
import { readVmRequest, toDraft, withKeptSchedule } from './vm-request';

/**
 * What the issue panel shows, from what its resolver loaded (or what an action just wrote): pure,
 * so a panel action answers with the view of the state it produced instead of reading the issue
 * again.
 */

/** Whether the shown VM record was read from the VM API now, or (stale) the stored one is shown because it did not answer. */
export type Freshness = Pick<PanelView, 'refreshedAt' | 'stale'>;

export interface PanelFacts {
  issueKey: string;
  /** The issue's fields as Jira returned them, read with the field mapping below. */
  fields: Record<string, unknown>;
  mapping: Settings['fields'];
  policy: Policy;
  configured: boolean;
  decision: ActDecision;
  /** The issue's VM per the app's own record (never just the property's word). */
  vm: Vm | undefined;
  /** The issue's record as read, or as an action just wrote it. */
  prop: Omit<DevVmProperty, 'updatedAt'> | undefined;
  freshness: Freshness;
  /** The admin's fleet-wide idle stop in minutes (0 = off), shown for a VM without its own. */
  idleStopDefaultMinutes?: number;
  /** Why Provision is refused here (outside every provisioning status, caller no admin); shown while there is no live VM. */
  provisionBlocked?: string;
}

export function panelView(facts: PanelFacts, now: Date): PanelView {
  const { vm, prop, decision } = facts;
  const live = vm && vm.state !== 'terminated' ? vm : undefined;
  const view: PanelView = {
    issueKey: facts.issueKey,
    configured: facts.configured,
    canAct: decision.canAct,
    ...(decision.canAct ? {} : { cannotActReason: decision.reason }),
    vm: vm ?? null,
    draft: live ? null : toDraft(withKeptSchedule(readVmRequest(facts.issueKey, facts.fields, facts.mapping, facts.policy), prop?.schedule)),
    ...facts.freshness,
    ...(facts.idleStopDefaultMinutes === undefined ? {} : { idleStopDefaultMinutes: facts.idleStopDefaultMinutes }),
  };
  const queued = live ? undefined : queuedProvision(prop, now);
  if (!live && facts.provisionBlocked) view.provisionBlocked = facts.provisionBlocked;
  if (queued) view.pendingProvision = queued;
  else if (!live && prop?.provisionFailure && !Number.isNaN(new Date(prop.provisionFailure.at).getTime())) {
    view.provisionFailure = { ...prop.provisionFailure, at: new Date(prop.provisionFailure.at).toISOString() };
  }
  if (live && live.schedule.enabled) {
    const next = nextBoundaries(live.schedule, now);
    if (next.nextStart) view.nextStart = next.nextStart.toISOString();
    const stop = nextStop(live, now);
    if (stop) view.nextStop = stop.toISOString();
  }
  const cost = vm ? vmCost(vm) : undefined;
  if (cost) view.cost = cost;
  return view;
}

/** `{ [key]: iso }` when `value` is a readable instant (normalised to ISO), `{}` otherwise. */
export function isoOrEmpty<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  const t = value === undefined ? NaN : new Date(value).getTime();
  return Number.isNaN(t) ? {} : ({ [key]: new Date(t).toISOString() } as Partial<Record<K, string>>);
}

/**
 * A provision request the retry queue still holds. One past the queue's trusted window lost its
 * job, so it is not shown: the Provision button comes back and re-sends it under the same key.
 */
export function queuedProvision(prop: Pick<DevVmProperty, 'pending'> | undefined, now: Date): PanelView['pendingProvision'] {
  const pending = prop?.pending;
  if (!pending || pendingIsStale(pending.since, now)) return undefined;
  const requestedAt = isoOrEmpty('requestedAt', pending.since).requestedAt;
  if (!requestedAt) return undefined;
  return {
    requestedAt,
    ...isoOrEmpty('nextAttemptAt', pending.nextAttemptAt),
    attempts: pending.attempts,
    maxAttempts: MAX_PROVISION_ATTEMPTS,
    ...(pending.lastError ? { lastError: pending.lastError } : {}),
  };
}

/** How stale the stored usage may get before a panel view writes it back (see worthStoring). */
const USAGE_REWRITE_MS = 60 * 60 * 1000;

/**
 * Whether a panel view should write the freshly read VM back to the issue property. The
 * reconciler's usage figure changes every run, so writing on any difference would make every
 * view a Jira write (and widen the race with the web trigger's own writes); the record is written
 * when anything but usage changed, or when the stored usage is missing or over an hour old.
 */
export function worthStoring(fresh: Vm, stored: Vm): boolean {
  const { usage: freshUsage, ...freshRest } = fresh;
  const { usage: storedUsage, ...storedRest } = stored;
  if (JSON.stringify(freshRest) !== JSON.stringify(storedRest)) return true;
  if (!freshUsage) return false;
  if (!storedUsage || storedUsage.month !== freshUsage.month) return true;
  return Date.parse(freshUsage.asOf) - Date.parse(storedUsage.asOf) >= USAGE_REWRITE_MS;
}
