import { randomUUID } from 'node:crypto';
import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, LifecycleEvent, STATE_OF_EVENT, type LifecycleEventType } from '../../../src/contract/events';
import { Tag } from '../../../src/contract/tags';
import type { Vm } from '../../../src/contract/vm-api';

/**
 * Lifecycle events: built from an instance's identity tags, validated against the contract, and
 * published to the stack's EventBridge bus in batches of 10 (the PutEvents limit). The notifier
 * Lambda delivers them to the Forge web trigger.
 */

export interface EventInput {
  type: LifecycleEventType;
  instanceId: string;
  /** The instance's tags (identity: JiraIssue, ClientName, DeveloperName). */
  tags: ReadonlyMap<string, string>;
  cause: LifecycleEvent['cause'];
  reason?: string;
  terminateAt?: string;
  /** vm.boot-failed: the step the first boot was on, and (boot deadline) the minutes waited. */
  bootStep?: LifecycleEvent['bootStep'];
  bootTimedOutMinutes?: number;
  /** vm.stop-deferred: until when, and what keeps the VM busy. */
  deferredUntil?: string;
  busy?: NonNullable<LifecycleEvent['busy']>;
  vm?: Vm;
  /** When that state was observed (the run's DescribeInstances, or the accepted call). */
  observedAt: Date;
  /** Orders events of one instance with the same observedAt (0 for the first). */
  sequence: number;
  now: Date;
  /** Defaults to a random UUID; tests pass a fixed one. */
  id?: string;
}

export type BuiltEvent = { ok: true; event: LifecycleEvent } | { ok: false; error: string };

/**
 * A contract-valid event, or why the instance cannot have one (its identity tags are not valid).
 * Its `state` is the one its type reports (STATE_OF_EVENT), also in `vm`: that record may have been
 * read before this run's action (a stop), and must not contradict the event it rides on.
 */
export function buildLifecycleEvent(input: EventInput): BuiltEvent {
  const state = STATE_OF_EVENT[input.type];
  const candidate = {
    id: input.id ?? randomUUID(),
    type: input.type,
    time: input.now.toISOString(),
    instanceId: input.instanceId,
    issueKey: input.tags.get(Tag.JiraIssue),
    client: input.tags.get(Tag.ClientName),
    developer: input.tags.get(Tag.DeveloperName),
    cause: input.cause,
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
    ...(input.terminateAt !== undefined ? { terminateAt: input.terminateAt } : {}),
    ...(input.bootStep !== undefined ? { bootStep: input.bootStep } : {}),
    ...(input.bootTimedOutMinutes !== undefined ? { bootTimedOutMinutes: input.bootTimedOutMinutes } : {}),
    ...(input.deferredUntil !== undefined ? { deferredUntil: input.deferredUntil } : {}),
    ...(input.busy !== undefined ? { busy: input.busy } : {}),
    ...(input.vm !== undefined ? { vm: { ...input.vm, state } } : {}),
    state,
    observedAt: input.observedAt.toISOString(),
    sequence: input.sequence,
  };
  const r = LifecycleEvent.safeParse(candidate);
  if (r.success) return { ok: true, event: r.data };
  return { ok: false, error: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
}

export interface PublishResult {
  published: number;
  failed: { id: string; code: string; message: string }[];
  calls: number;
}

/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_BATCH = 10;

export class EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  /**
   * Publish every event; entries EventBridge rejects (FailedEntryCount) are retried once, then
   * reported. A call that fails outright fails its batch only, never the others. A few batches
   * are in flight at once: 7,000 stops at 18:00 are 700 calls, too slow one after another.
   */
  async publish(events: readonly LifecycleEvent[], concurrency = 4): Promise<PublishResult> {
    const result: PublishResult = { published: 0, failed: [], calls: 0 };
    const batches: LifecycleEvent[][] = [];
    for (let i = 0; i < events.length; i += PUT_EVENTS_BATCH) batches.push(events.slice(i, i + PUT_EVENTS_BATCH));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.length) await this.publishBatch(batches[next++]!, result);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
    return result;
  }

  private async publishBatch(first: LifecycleEvent[], result: PublishResult): Promise<void> {
    let batch = first;
    for (let attempt = 1; batch.length > 0; attempt++) {
      const entries: PutEventsRequestEntry[] = batch.map((e) => ({
        EventBusName: this.busName,
        Source: EVENT_SOURCE,
        DetailType: e.type,
        Detail: JSON.stringify(e),
        Time: new Date(e.time),
      }));
      result.calls++;
      const retry: LifecycleEvent[] = [];
      try {
        // Required here, not at the top: the notifier imports this module for buildLifecycleEvent
        // only, and must not load the EventBridge SDK at cold start (the runtime provides it).
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { PutEventsCommand } = require('@aws-sdk/client-eventbridge') as typeof import('@aws-sdk/client-eventbridge');
        const res = await this.client.send(new PutEventsCommand({ Entries: entries }));
        const outcomes = res.Entries ?? [];
        batch.forEach((e, k) => {
          const o = outcomes[k];
          if (o?.EventId) result.published++;
          else if (attempt < 2) retry.push(e);
          else result.failed.push({ id: e.id, code: o?.ErrorCode ?? 'Unknown', message: o?.ErrorMessage ?? 'no event id returned' });
        });
      } catch (err) {
        const code = (err as { name?: string }).name ?? 'Error';
        const message = err instanceof Error ? err.message : String(err);
        for (const e of batch) result.failed.push({ id: e.id, code, message });
      }
      batch = retry;
    }
  }
}
