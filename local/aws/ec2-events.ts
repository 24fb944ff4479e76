import { randomUUID } from 'node:crypto';
import type { AwsState, Ec2Instance, InstanceStateName } from './state';

/**
 * The events EC2 itself sends to the account's DEFAULT event bus, recorded like PutEvents entries
 * (bus `default`), so a test can route them through the stack's rules to the notifier:
 *
 *  - `EC2 Instance State-change Notification` (source aws.ec2) for every state an instance enters,
 *    `detail: {instance-id, state}` and no tags
 *    (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-instance-state-changes.html);
 *  - `Tag Change on Resource` (source aws.tag) after CreateTags/DeleteTags on an instance, with
 *    `changed-tag-keys`, `service`, `resource-type` and the resource's tags after the change
 *    (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-tag.html). AWS documents both
 *    as best-effort delivery; the stand-in records every one, a test may drop some.
 */

export const DEFAULT_BUS = 'default';

const instanceArn = (state: AwsState, id: string) => `arn:aws:ec2:${state.region}:${state.accountId}:instance/${id}`;

export function recordStateChange(state: AwsState, inst: Ec2Instance, to: InstanceStateName, at: number): void {
  state.events.push({
    eventId: randomUUID(),
    time: at,
    eventBusName: DEFAULT_BUS,
    source: 'aws.ec2',
    detailType: 'EC2 Instance State-change Notification',
    detail: { 'instance-id': inst.instanceId, state: to },
    resources: [instanceArn(state, inst.instanceId)],
  });
}

export function recordTagChange(state: AwsState, inst: Ec2Instance, changedKeys: readonly string[], at: number): void {
  if (changedKeys.length === 0) return;
  const userTags = Object.fromEntries([...inst.tags].filter(([k]) => !k.startsWith('aws:')));
  state.events.push({
    eventId: randomUUID(),
    time: at,
    eventBusName: DEFAULT_BUS,
    source: 'aws.tag',
    detailType: 'Tag Change on Resource',
    detail: { 'changed-tag-keys': [...changedKeys], service: 'ec2', 'resource-type': 'instance', version: 1, tags: userTags },
    resources: [instanceArn(state, inst.instanceId)],
  });
}
