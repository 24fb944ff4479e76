/**
 * Issue 13, item 5: EC2's state-change events and the VM's boot-status tag change reach the
 * notifier through EventBridge and become signed lifecycle events, after one DescribeInstances
 * that proves the instance is ours. Event shapes as AWS documents them (aws-events.ts).
 */
import type { Instance } from '@aws-sdk/client-ec2';
import { LifecycleEvent } from '../../../src/contract/events';
import { MANAGED_BY } from '../../../src/contract/tags';
import { deliver, type NotifierDeps } from '../../../infra-cdk/lambda/notifier/deliver';
import { translateAwsEvent, uuidFrom } from '../../../infra-cdk/lambda/notifier/aws-events';

const NOW = new Date('2026-11-30T09:00:00Z');
const ID = 'i-0123456789abcdef0';
const ARN = `arn:aws:ec2:eu-west-1:123456789012:instance/${ID}`;

function instance(extra: Record<string, string> = {}, managedBy = MANAGED_BY): Instance {
  const tags = { ManagedBy: managedBy, JiraIssue: 'OPS-42', ClientName: 'acme', DeveloperName: 'jdoe', ...extra };
  return { InstanceId: ID, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
}
const stateChange = (state: string, id = 'c1a9e0a4-5a7e-4d43-9f38-4a51b2a3c001') => ({
  id,
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2026-11-30T08:59:30Z',
  region: 'eu-west-1',
  resources: [ARN],
  detail: { 'instance-id': ID, state },
});
const tagChange = (keys: string[], tags: Record<string, string>) => ({
  version: '0',
  id: 'ffd8d6a6-3b7e-4c48-8ba7-6c1a9c0d0a11',
  'detail-type': 'Tag Change on Resource',
  source: 'aws.tag',
  account: '123456789012',
  time: '2026-11-30T08:59:40Z',
  region: 'eu-west-1',
  resources: [ARN],
  detail: { 'changed-tag-keys': keys, service: 'ec2', 'resource-type': 'instance', version: 3, tags },
});

let lookups: string[];
const lookupOf = (i: Instance | undefined) => async (id: string) => {
  lookups.push(id);
  return i;
};
beforeEach(() => (lookups = []));

describe('EC2 state-change events', () => {
  it.each([
    ['running', 'vm.running', 'running'],
    ['stopped', 'vm.stopped', 'stopped'],
    ['terminated', 'vm.terminated', 'terminated'],
  ])('%s becomes %s, with the identity from DescribeInstances', async (state, type, reported) => {
    const t = await translateAwsEvent(stateChange(state), lookupOf(instance()), NOW);
    expect(lookups).toEqual([ID]);
    expect(t).toEqual({
      kind: 'event',
      event: expect.objectContaining({ type, instanceId: ID, issueKey: 'OPS-42', client: 'acme', developer: 'jdoe', cause: 'ec2-event', state: reported, observedAt: '2026-11-30T08:59:30.000Z' }),
    });
    if (t.kind === 'event') expect(LifecycleEvent.safeParse(t.event).success).toBe(true);
  });

  it.each(['pending', 'stopping', 'shutting-down'])('the passing state %s is dropped without a lookup', async (state) => {
    expect(await translateAwsEvent(stateChange(state), lookupOf(instance()), NOW)).toEqual({ kind: 'dropped', reason: `passing state ${state}` });
    expect(lookups).toEqual([]);
  });

  it('an instance this stack does not manage is dropped (the rule sees every instance of the account)', async () => {
    expect((await translateAwsEvent(stateChange('running'), lookupOf(undefined), NOW)).kind).toBe('dropped');
  });

  it('the same EventBridge event gives the same lifecycle event id (a retry is recognised by the web trigger)', async () => {
    const a = await translateAwsEvent(stateChange('running'), lookupOf(instance()), NOW);
    const b = await translateAwsEvent(stateChange('running'), lookupOf(instance()), NOW);
    expect(a.kind === 'event' && b.kind === 'event' && a.event.id === b.event.id).toBe(true);
    expect(a.kind === 'event' && a.event.id).toBe(uuidFrom('c1a9e0a4-5a7e-4d43-9f38-4a51b2a3c001'));
  });
});

describe('boot status tag changes', () => {
  it('ready becomes vm.ready', async () => {
    const t = await translateAwsEvent(tagChange(['DevVmBootStatus'], { DevVmBootStatus: 'ready' }), lookupOf(instance({ DevVmBootStatus: 'ready' })), NOW);
    expect(t).toEqual({ kind: 'event', event: expect.objectContaining({ type: 'vm.ready', cause: 'boot', issueKey: 'OPS-42', state: 'running' }) });
  });

  it('failed:<step> becomes vm.boot-failed naming the step', async () => {
    const t = await translateAwsEvent(tagChange(['DevVmBootStatus'], {}), lookupOf(instance({ DevVmBootStatus: 'failed:efs-utils' })), NOW);
    expect(t).toEqual({ kind: 'event', event: expect.objectContaining({ type: 'vm.boot-failed', bootStep: 'efs-utils' }) });
  });

  it.each([
    ['a step in progress', ['DevVmBootStatus'], 'step:packages'],
    ['another tag changed', ['AutoStop'], 'ready'],
    ['a value that is no status', ['DevVmBootStatus'], 'ready; rm -rf'],
  ])('%s is dropped', async (_name, keys, value) => {
    expect((await translateAwsEvent(tagChange(keys, {}), lookupOf(instance({ DevVmBootStatus: value })), NOW)).kind).toBe('dropped');
  });

  it('a tag change of another resource type is dropped without a lookup', async () => {
    const e = { ...tagChange(['DevVmBootStatus'], {}), resources: ['arn:aws:ec2:eu-west-1:123456789012:volume/vol-0123456789abcdef0'] };
    expect((await translateAwsEvent(e, lookupOf(instance()), NOW)).kind).toBe('dropped');
    expect(lookups).toEqual([]);
  });
});

describe('deliver() with AWS events', () => {
  const deps = (i: Instance | undefined, sent: string[]): NotifierDeps => ({
    webtriggerUrl: async () => 'https://example.invalid/x1/hook',
    secret: async () => 'k3y-shared-with-the-forge-admin-page-0123456789abcdef',
    forgetSecret: () => undefined,
    recordTestDelivery: async () => undefined,
    fetch: async (_u, init) => {
      sent.push(init.body);
      return { status: 200, ok: true };
    },
    lookupInstance: lookupOf(i),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    timeoutMs: 1000,
  });

  it('signs and posts the translated lifecycle event', async () => {
    const sent: string[] = [];
    const r = await deliver(tagChange(['DevVmBootStatus'], {}), deps(instance({ DevVmBootStatus: 'ready' }), sent), NOW);
    expect(r).toEqual(expect.objectContaining({ delivered: true }));
    expect(JSON.parse(sent[0] as string)).toEqual(expect.objectContaining({ type: 'vm.ready', instanceId: ID }));
  });

  it('answers "not a lifecycle event" for an instance of someone else, and posts nothing', async () => {
    const sent: string[] = [];
    const r = await deliver(stateChange('running'), deps(instance({}, 'someone-else') && undefined, sent), NOW);
    expect(r).toEqual(expect.objectContaining({ delivered: false, reason: 'not-a-lifecycle-event' }));
    expect(sent).toEqual([]);
  });
});
