import { CreateTagsCommand, DescribeInstancesCommand, EC2Client, StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { startAwsStandIn, type AwsStandIn } from '../../local/aws';

/**
 * What the reconciler's tests rely on in the one AWS model: an id refused for an operation fails
 * the whole call (EC2 changes nothing when one id is refused), seeding with chosen ids and a
 * terminated state, and LaunchTime moving on every start.
 */

let aws: AwsStandIn;
let now = 0;
beforeEach(async () => {
  now = Date.parse('2026-11-25T13:00:00Z');
  aws = await startAwsStandIn({ transitionSeconds: 60, clock: () => now });
});
afterEach(() => aws.close());

const A = 'i-0000000000000000a';
const B = 'i-0000000000000000b';

describe('instance-error faults', () => {
  it('fail every call naming the instance, whole, until cleared; other ids and operations are untouched', async () => {
    aws.seedInstances({ count: 2, ids: [A, B], state: 'stopped' });
    const ec2 = new EC2Client(aws.clientConfig());
    const refusal = aws.injectFault({ kind: 'instance-error', operation: 'StartInstances', instanceId: B, code: 'UnauthorizedOperation', status: 403 });
    await expect(ec2.send(new StartInstancesCommand({ InstanceIds: [A, B] }))).rejects.toMatchObject({ name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } });
    expect([aws.state.instances.get(A)?.state, aws.state.instances.get(B)?.state]).toEqual(['stopped', 'stopped']);
    await ec2.send(new CreateTagsCommand({ Resources: [B], Tags: [{ Key: 'k', Value: 'v' }] }));
    await ec2.send(new StartInstancesCommand({ InstanceIds: [A] }));
    expect(aws.state.instances.get(A)?.state).toBe('pending');
    refusal.clear();
    await ec2.send(new StartInstancesCommand({ InstanceIds: [B] }));
    expect(aws.state.instances.get(B)?.state).toBe('pending');
  });

  it('refuse CreateTags naming the instance', async () => {
    aws.seedInstances({ count: 1, ids: [A] });
    const ec2 = new EC2Client(aws.clientConfig());
    aws.injectFault({ kind: 'instance-error', operation: 'CreateTags', instanceId: A, code: 'UnauthorizedOperation', status: 403 });
    await expect(ec2.send(new CreateTagsCommand({ Resources: [A], Tags: [{ Key: 'k', Value: 'v' }] }))).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
    expect(aws.state.instances.get(A)?.tags.has('k')).toBe(false);
    await ec2.send(new StopInstancesCommand({ InstanceIds: [A] }));
  });
});

describe('seeding', () => {
  it('takes the ids given and refuses a malformed or used one', () => {
    expect(aws.seedInstances({ count: 2, ids: [A, B] })).toEqual([A, B]);
    expect(() => aws.seedInstances({ count: 1, ids: [A] })).toThrow(/already in use/);
    expect(() => aws.seedInstances({ count: 1, ids: ['i-xyz'] })).toThrow(/malformed/);
    expect(() => aws.seedInstances({ count: 2, ids: ['i-0000000000000000c'] })).toThrow(/1 ids for 2 instances/);
  });

  it('lists a seeded terminated instance for an hour, as EC2 does', async () => {
    aws.seedInstances({ count: 1, ids: [A], state: 'terminated' });
    const ec2 = new EC2Client(aws.clientConfig());
    const list = async () => (await ec2.send(new DescribeInstancesCommand({}))).Reservations?.flatMap((r) => r.Instances ?? []).map((i) => [i.InstanceId, i.State?.Name]);
    expect(await list()).toEqual([[A, 'terminated']]);
    now += 61 * 60 * 1000;
    expect(await list()).toEqual([]);
  });
});

it('a start from stopped sets LaunchTime to when it was started', async () => {
  aws.seedInstances({ count: 1, ids: [A], state: 'stopped', launchTime: Date.parse('2026-11-01T00:00:00Z') });
  const ec2 = new EC2Client(aws.clientConfig());
  await ec2.send(new StartInstancesCommand({ InstanceIds: [A] }));
  const inst = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [A] }))).Reservations?.[0]?.Instances?.[0];
  expect(inst?.LaunchTime?.toISOString()).toBe('2026-11-25T13:00:00.000Z');
});
