import { createHash } from 'node:crypto';
import type { Instance } from '@aws-sdk/client-ec2';
import type { LifecycleEvent, LifecycleEventType } from '../../../src/contract/events';
import { Tag } from '../../../src/contract/tags';
import { parseBootStatus } from '../../../src/domain/boot-status';
import { buildLifecycleEvent } from '../shared/events';

/**
 * AWS's own events, turned into lifecycle events so notices are event-driven, not polled:
 *
 *  - `aws.ec2` / `EC2 Instance State-change Notification`: `detail: {instance-id, state}`
 *    (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-instance-state-changes.html).
 *    running, stopped and terminated become vm.running / vm.stopped / vm.terminated with cause
 *    `ec2-event`; pending, stopping and shutting-down are passing states and are dropped.
 *  - `aws.tag` / `Tag Change on Resource` for an EC2 instance (`resources: [instance ARN]`,
 *    `detail.changed-tag-keys`; https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-tag.html):
 *    a change of DevVmBootStatus (the VM's first-boot signal, user-data.ts) becomes vm.ready or
 *    vm.boot-failed with cause `boot`; a step in progress is dropped.
 *
 * Neither event carries the instance's tags reliably (the state change carries none), so the
 * notifier makes one extra call per event: DescribeInstances by id, which also proves the
 * instance is ManagedBy this stack (an instance of anything else in the account is dropped) and
 * gives the issue, client and developer. The boot status is read from that answer too, the truth
 * at the time of the lookup. Both sources are "best effort" delivery on EventBridge's default bus,
 * so the reconciler's own verification stays as the safety net.
 */

export const EC2_STATE_CHANGE = { source: 'aws.ec2', detailType: 'EC2 Instance State-change Notification' } as const;
export const TAG_CHANGE = { source: 'aws.tag', detailType: 'Tag Change on Resource' } as const;

/** An EventBridge event pattern (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html): exact-value arrays only. */
export interface EventPattern {
  readonly [field: string]: readonly string[] | EventPattern;
}

/**
 * The two rules on the account's default bus that feed the notifier (infra-cdk/lib/constructs/
 * events.ts uses these; the local EventBridge stand-in matches with them too).
 */
export const AWS_EVENT_RULES: Readonly<Record<'ec2State' | 'bootStatus', EventPattern>> = {
  ec2State: { source: [EC2_STATE_CHANGE.source], 'detail-type': [EC2_STATE_CHANGE.detailType], detail: { state: ['running', 'stopped', 'terminated'] } },
  bootStatus: {
    source: [TAG_CHANGE.source],
    'detail-type': [TAG_CHANGE.detailType],
    detail: { service: ['ec2'], 'resource-type': ['instance'], 'changed-tag-keys': [Tag.BootStatus] },
  },
};

export interface AwsEnvelope {
  source?: string;
  'detail-type'?: string;
  id?: string;
  time?: string;
  resources?: unknown;
  detail?: unknown;
}

/** DescribeInstances by id; undefined when it does not exist or is not managed by this stack. */
export type ManagedInstanceLookup = (instanceId: string) => Promise<Instance | undefined>;

export type Translation = { kind: 'event'; event: LifecycleEvent } | { kind: 'dropped'; reason: string };

const STATE_EVENT: Readonly<Record<string, LifecycleEventType>> = { running: 'vm.running', stopped: 'vm.stopped', terminated: 'vm.terminated' };
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const INSTANCE_ARN = /^arn:aws[a-z-]*:ec2:[a-z0-9-]+:\d{12}:instance\/(i-[0-9a-f]{8,17})$/;

/** A UUID (version 4 layout) derived from any string, stable for the same input. */
export function uuidFrom(value: string): string {
  const h = createHash('sha256').update(value).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function isAwsInstanceEvent(envelope: AwsEnvelope): boolean {
  return (
    (envelope.source === EC2_STATE_CHANGE.source && envelope['detail-type'] === EC2_STATE_CHANGE.detailType) ||
    (envelope.source === TAG_CHANGE.source && envelope['detail-type'] === TAG_CHANGE.detailType)
  );
}

const record = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export async function translateAwsEvent(envelope: AwsEnvelope, lookup: ManagedInstanceLookup, now: Date): Promise<Translation> {
  const detail = record(envelope.detail);
  const observedAt = envelope.time && !Number.isNaN(Date.parse(envelope.time)) ? new Date(envelope.time) : now;
  let instanceId: string | undefined;
  let type: LifecycleEventType | undefined;
  let bootStep: LifecycleEvent['bootStep'];
  if (envelope.source === EC2_STATE_CHANGE.source) {
    instanceId = typeof detail['instance-id'] === 'string' && INSTANCE_ID.test(detail['instance-id']) ? detail['instance-id'] : undefined;
    if (!instanceId) return { kind: 'dropped', reason: 'state change without a valid instance-id' };
    type = STATE_EVENT[String(detail.state)];
    if (!type) return { kind: 'dropped', reason: `passing state ${String(detail.state)}` };
  } else {
    if (detail.service !== undefined && detail.service !== 'ec2') return { kind: 'dropped', reason: 'not an EC2 resource' };
    const changed = Array.isArray(detail['changed-tag-keys']) ? detail['changed-tag-keys'] : undefined;
    if (changed && !changed.includes(Tag.BootStatus)) return { kind: 'dropped', reason: 'no boot status change' };
    const arn = Array.isArray(envelope.resources) ? envelope.resources.find((r): r is string => typeof r === 'string' && INSTANCE_ARN.test(r)) : undefined;
    instanceId = arn ? INSTANCE_ARN.exec(arn)?.[1] : undefined;
    if (!instanceId) return { kind: 'dropped', reason: 'tag change of something other than an instance' };
  }
  const instance = await lookup(instanceId);
  if (!instance) return { kind: 'dropped', reason: `instance ${instanceId} is not managed by this stack` };
  const tags = new Map((instance.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  if (!type) {
    const status = parseBootStatus(tags.get(Tag.BootStatus));
    if (!status || status.kind === 'step') return { kind: 'dropped', reason: 'first boot still in progress' };
    type = status.kind === 'ready' ? 'vm.ready' : 'vm.boot-failed';
    if (status.kind === 'failed') bootStep = status.step;
  }
  const built = buildLifecycleEvent({
    type,
    instanceId,
    tags,
    cause: type === 'vm.ready' || type === 'vm.boot-failed' ? 'boot' : 'ec2-event',
    observedAt,
    sequence: 0,
    now,
    // Derived from EventBridge's event id, which stays the same when EventBridge retries the same
    // event: the web trigger then recognises the repeat. Without one, a fresh UUID.
    ...(envelope.id ? { id: uuidFrom(envelope.id) } : {}),
  });
  if (!built.ok) return { kind: 'dropped', reason: `instance ${instanceId}: ${built.error}` };
  return { kind: 'event', event: bootStep ? { ...built.event, bootStep } : built.event };
}
