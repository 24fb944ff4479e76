import type { LifecycleEvent } from '../contract/events';

/**
 * Ordering of lifecycle events for one instance. EventBridge and the notifier deliver in any
 * order, so an event is compared with the last observation applied to the issue: (observedAt,
 * sequence), earlier instant first, then lower sequence. An event without `observedAt` (published
 * before the field existed) counts as the oldest possible observation.
 */

export interface Observation {
  instanceId: string;
  observedAt: string;
  sequence: number;
}

/** The observation an event reports, or undefined for an event without one. */
export function observationOf(event: Pick<LifecycleEvent, 'instanceId' | 'observedAt' | 'sequence'>): Observation | undefined {
  return event.observedAt === undefined ? undefined : { instanceId: event.instanceId, observedAt: event.observedAt, sequence: event.sequence ?? 0 };
}

/** True when `event` reports an older observation of the same instance than `last`. */
export function isOlderThan(event: Pick<LifecycleEvent, 'instanceId' | 'observedAt' | 'sequence'>, last: Observation | undefined): boolean {
  if (!last || last.instanceId !== event.instanceId) return false;
  const mine = observationOf(event);
  if (!mine) return true;
  const a = Date.parse(mine.observedAt);
  const b = Date.parse(last.observedAt);
  return a < b || (a === b && mine.sequence < last.sequence);
}
