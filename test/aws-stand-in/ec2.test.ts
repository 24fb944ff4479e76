import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  EC2Client,
  EC2ServiceException,
  paginateDescribeInstances,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceRunning,
  type Instance,
} from '@aws-sdk/client-ec2';
import { startAwsStandIn, type AwsStandIn } from '../../local/aws';

/** The real EC2 SDK client against the stand-in: every shape here went through the SDK's own serde. */

let aws: AwsStandIn;
let ec2: EC2Client;

beforeAll(async () => {
  aws = await startAwsStandIn({ transitionSeconds: 0 });
  ec2 = new EC2Client({ ...aws.clientConfig(), maxAttempts: 1 });
});
afterAll(async () => {
  ec2.destroy();
  await aws.close();
});

async function launch(tags: Record<string, string>, extra: { ClientToken?: string; MaxCount?: number } = {}): Promise<Instance[]> {
  const out = await ec2.send(
    new RunInstancesCommand({
      MinCount: 1,
      MaxCount: extra.MaxCount ?? 1,
      LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0', Version: '$Latest' },
      InstanceType: 't3.medium',
      SubnetId: 'subnet-0aaaabbbbccccdddd',
      UserData: Buffer.from('#!/bin/bash\necho hi\n').toString('base64'),
      MetadataOptions: { HttpTokens: 'required' },
      TagSpecifications: [{ ResourceType: 'instance', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }],
      ...(extra.ClientToken ? { ClientToken: extra.ClientToken } : {}),
    }),
  );
  return out.Instances ?? [];
}

async function describe1(id: string): Promise<Instance> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  const inst = out.Reservations?.[0]?.Instances?.[0];
  if (!inst) throw new Error(`no instance ${id}`);
  return inst;
}

test('RunInstances returns a pending instance with tags, a private IP and the launch template tags EC2 adds', async () => {
  const [inst] = await launch({ Name: 'vm-alice', DeveloperName: 'alice', ManagedBy: 'dev-vm-for-jira', Odd: 'a<b&c "q"' });
  expect(inst?.InstanceId).toMatch(/^i-[0-9a-f]{17}$/);
  expect(inst?.State).toEqual({ Code: 0, Name: 'pending' });
  expect(inst?.PrivateIpAddress).toMatch(/^10\.0\.\d+\.\d+$/);
  expect(inst?.InstanceType).toBe('t3.medium');
  expect(inst?.SubnetId).toBe('subnet-0aaaabbbbccccdddd');
  expect(inst?.LaunchTime).toBeInstanceOf(Date);
  expect(inst?.MetadataOptions?.HttpTokens).toBe('required');
  const tags = Object.fromEntries((inst?.Tags ?? []).map((t) => [t.Key, t.Value]));
  expect(tags).toMatchObject({ Name: 'vm-alice', DeveloperName: 'alice', Odd: 'a<b&c "q"', 'aws:ec2launchtemplate:id': 'lt-0123456789abcdef0' });
});

test('DescribeInstances filters by tag:Key, tag-key, instance-state-name and instance-id', async () => {
  const [a] = await launch({ DeveloperName: 'bob', Team: 'x' });
  const [b] = await launch({ DeveloperName: 'carol' });
  const ids = async (Filters: { Name: string; Values: string[] }[]) => {
    const out = await ec2.send(new DescribeInstancesCommand({ Filters }));
    return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId);
  };
  expect(await ids([{ Name: 'tag:DeveloperName', Values: ['bob'] }])).toEqual([a?.InstanceId]);
  expect(await ids([{ Name: 'tag:DeveloperName', Values: ['bob', 'carol'] }])).toEqual([a?.InstanceId, b?.InstanceId]);
  expect(await ids([{ Name: 'tag:DeveloperName', Values: ['car*'] }])).toEqual([b?.InstanceId]);
  expect(await ids([{ Name: 'tag-key', Values: ['Team'] }])).toEqual([a?.InstanceId]);
  expect(await ids([{ Name: 'instance-id', Values: [b?.InstanceId ?? ''] }, { Name: 'instance-state-name', Values: ['running'] }])).toEqual([b?.InstanceId]);
  await expect(ids([{ Name: 'no-such-filter', Values: ['x'] }])).rejects.toMatchObject({ name: 'InvalidParameterValue' });
});

test('the SDK paginator walks 25 instances five at a time, grouped in reservations', async () => {
  const launched = await launch({ Batch: 'p25' }, { MaxCount: 25 });
  expect(launched).toHaveLength(25);
  const pages: string[][] = [];
  for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 5 }, { Filters: [{ Name: 'tag:Batch', Values: ['p25'] }] })) {
    pages.push((page.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId ?? ''));
    expect(page.Reservations?.[0]?.ReservationId).toMatch(/^r-[0-9a-f]{17}$/);
  }
  expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 5]);
  expect(pages.flat()).toEqual(launched.map((i) => i.InstanceId));
});

test('MaxResults with InstanceIds is rejected as EC2 does', async () => {
  await expect(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'], MaxResults: 5 }))).rejects.toMatchObject({
    name: 'InvalidParameterCombination',
  });
});

test('stop, start and terminate report state changes and settle on the stand-in clock', async () => {
  const slow = await startAwsStandIn({ transitionSeconds: 60, clock: () => Date.UTC(2026, 10, 26, 17, 59) });
  const client = new EC2Client({ ...slow.clientConfig(), maxAttempts: 1 });
  try {
    const run = await client.send(new RunInstancesCommand({ MinCount: 2, MaxCount: 2, ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.small' }));
    const ids = (run.Instances ?? []).map((i) => i.InstanceId ?? '');
    const stateOf = async () => (await client.send(new DescribeInstancesCommand({ InstanceIds: ids }))).Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.State?.Name);
    expect(await stateOf()).toEqual(['pending', 'pending']);
    slow.advance(59_000);
    expect(await stateOf()).toEqual(['pending', 'pending']);
    slow.advance(1_000);
    expect(await stateOf()).toEqual(['running', 'running']);

    const stop = await client.send(new StopInstancesCommand({ InstanceIds: ids }));
    expect(stop.StoppingInstances?.map((c) => [c.PreviousState?.Name, c.CurrentState?.Name, c.CurrentState?.Code])).toEqual([
      ['running', 'stopping', 64],
      ['running', 'stopping', 64],
    ]);
    slow.settle();
    const stopped = (await client.send(new DescribeInstancesCommand({ InstanceIds: [ids[0] ?? ''] }))).Reservations?.[0]?.Instances?.[0];
    expect(stopped?.State?.Name).toBe('stopped');
    expect(stopped?.StateReason?.Code).toBe('Client.UserInitiatedShutdown');
    expect(stopped?.StateTransitionReason).toBe('User initiated (2026-11-26 18:00:00 GMT)');

    const start = await client.send(new StartInstancesCommand({ InstanceIds: ids }));
    expect(start.StartingInstances?.map((c) => [c.PreviousState?.Name, c.CurrentState?.Name])).toEqual([
      ['stopped', 'pending'],
      ['stopped', 'pending'],
    ]);
    // Stopping a pending instance is not allowed, and nothing changes for the other id either.
    await expect(client.send(new StopInstancesCommand({ InstanceIds: ids }))).rejects.toMatchObject({ name: 'IncorrectInstanceState' });
    slow.advance(60_000);
    expect(await stateOf()).toEqual(['running', 'running']);

    const term = await client.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    expect(term.TerminatingInstances?.map((c) => c.CurrentState?.Name)).toEqual(['shutting-down', 'shutting-down']);
    slow.advance(60_000);
    expect(await stateOf()).toEqual(['terminated', 'terminated']);
    // EC2 keeps listing terminated instances for about an hour, then forgets them.
    slow.advance(60 * 60_000);
    await expect(stateOf()).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound' });
  } finally {
    client.destroy();
    await slow.close();
  }
});

test('an unknown instance id fails the whole call with InvalidInstanceID.NotFound and changes nothing', async () => {
  const [inst] = await launch({ Purpose: 'unknown-id' });
  aws.settle();
  const err: unknown = await ec2.send(new StopInstancesCommand({ InstanceIds: [inst?.InstanceId ?? '', 'i-0000000000000dead'] })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(EC2ServiceException);
  expect(err).toMatchObject({ name: 'InvalidInstanceID.NotFound', $fault: 'client', $metadata: { httpStatusCode: 400 } });
  expect((err as Error).message).toContain("'i-0000000000000dead'");
  expect((await describe1(inst?.InstanceId ?? '')).State?.Name).toBe('running');
  await expect(ec2.send(new StartInstancesCommand({ InstanceIds: ['not-an-id'] }))).rejects.toMatchObject({ name: 'InvalidInstanceID.Malformed' });
});

test('ClientToken makes RunInstances idempotent, and a different request with the same token is refused', async () => {
  const first = await launch({ Name: 'idem' }, { ClientToken: 'provision-PROJ-42' });
  const again = await launch({ Name: 'idem' }, { ClientToken: 'provision-PROJ-42' });
  expect(again.map((i) => i.InstanceId)).toEqual(first.map((i) => i.InstanceId));
  expect(first[0]?.ClientToken).toBe('provision-PROJ-42');
  await expect(launch({ Name: 'other' }, { ClientToken: 'provision-PROJ-42' })).rejects.toMatchObject({ name: 'IdempotentParameterMismatch' });
  const listed = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: ['idem'] }] }));
  expect(listed.Reservations?.flatMap((r) => r.Instances ?? [])).toHaveLength(1);
});

test('an instance seeded with a ClientToken refuses a RunInstances reusing it (an earlier launch whose answer was lost), and the token shows on the instance', async () => {
  const [seeded] = aws.seedInstances({ count: 1, tags: { Name: 'seeded-token' }, clientToken: 'provision-PROJ-43' });
  await expect(launch({ Name: 'seeded-token' }, { ClientToken: 'provision-PROJ-43' })).rejects.toMatchObject({ name: 'IdempotentParameterMismatch' });
  expect((await describe1(seeded ?? '')).ClientToken).toBe('provision-PROJ-43');
  expect(() => aws.seedInstances({ count: 1, clientToken: 'provision-PROJ-43' })).toThrow(/already used/);
  const listed = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: ['seeded-token'] }] }));
  expect(listed.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId)).toEqual([seeded]);
});

test('CreateTags and DeleteTags work on many instances; aws: keys are reserved', async () => {
  const insts = await launch({ Name: 'tagged' }, { MaxCount: 2 });
  const ids = insts.map((i) => i.InstanceId ?? '');
  await ec2.send(new CreateTagsCommand({ Resources: ids, Tags: [{ Key: 'AutoStop', Value: '18:00' }, { Key: 'ScheduleError', Value: 'bad' }] }));
  await ec2.send(new DeleteTagsCommand({ Resources: ids, Tags: [{ Key: 'ScheduleError' }, { Key: 'AutoStop', Value: '17:00' }] }));
  for (const id of ids) {
    const tags = Object.fromEntries(((await describe1(id)).Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags.AutoStop).toBe('18:00');
    expect(tags.ScheduleError).toBeUndefined();
  }
  await expect(ec2.send(new CreateTagsCommand({ Resources: ids, Tags: [{ Key: 'aws:x', Value: '1' }] }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  await expect(ec2.send(new CreateTagsCommand({ Resources: ['i-0000000000000beef'], Tags: [{ Key: 'A', Value: '1' }] }))).rejects.toMatchObject({
    name: 'InvalidInstanceID.NotFound',
  });
});

test('waitUntilInstanceRunning polls through pending until the instance is running', async () => {
  // A one-second transition on the real clock, so the waiter must see `pending` and poll again.
  const timed = await startAwsStandIn({ transitionSeconds: 1 });
  const client = new EC2Client({ ...timed.clientConfig(), maxAttempts: 1 });
  try {
    const run = await client.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, ImageId: 'ami-0123456789abcdef0' }));
    const id = run.Instances?.[0]?.InstanceId ?? '';
    const result = await waitUntilInstanceRunning({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { InstanceIds: [id] });
    expect(result.state).toBe('SUCCESS');
    const describes = timed.state.calls.filter((c) => c.operation === 'DescribeInstances').length;
    expect(describes).toBeGreaterThanOrEqual(2);
  } finally {
    client.destroy();
    await timed.close();
  }
});

test('RunInstances checks the instance profile exists in the simulated IAM', async () => {
  await expect(
    ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, ImageId: 'ami-0123456789abcdef0', IamInstanceProfile: { Arn: 'arn:aws:iam::123456789012:instance-profile/dev-vm/none' } })),
  ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
});

test('the snapshot shows instances with their tags and state for the preview page', async () => {
  const [inst] = await launch({ Name: 'snap', DeveloperName: 'dora' });
  const view = aws.snapshot().instances.find((i) => i.instanceId === inst?.InstanceId);
  expect(view).toMatchObject({ name: 'snap', state: 'running', tags: { DeveloperName: 'dora' }, instanceType: 't3.medium' });
  expect(aws.snapshot().label).toBe('simulated AWS');
  expect(aws.snapshot().calls['ec2:RunInstances']).toBeGreaterThan(0);
});

test('seeded instances (no API calls) are listed by the SDK paginator like launched ones, 10,000 of them', async () => {
  const big = await startAwsStandIn({ transitionSeconds: 0 });
  const client = new EC2Client({ ...big.clientConfig(), maxAttempts: 1 });
  try {
    big.seedInstances({ count: 9_000, tags: { ManagedBy: 'dev-vm-for-jira', AutoStop: '18:00' } });
    big.seedInstances({ count: 1_000, state: 'stopped', tags: { ManagedBy: 'dev-vm-for-jira' } });
    big.seedInstances({ count: 5, tags: { ManagedBy: 'someone-else' } });
    expect(big.state.calls).toHaveLength(0);
    let listed = 0;
    let stopped = 0;
    let pages = 0;
    for await (const page of paginateDescribeInstances({ client, pageSize: 1000 }, { Filters: [{ Name: 'tag:ManagedBy', Values: ['dev-vm-for-jira'] }] })) {
      pages++;
      for (const inst of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        listed++;
        if (inst.State?.Name === 'stopped') stopped++;
      }
    }
    expect({ listed, stopped, pages }).toEqual({ listed: 10_000, stopped: 1_000, pages: 10 });
    expect(big.state.calls.filter((c) => c.operation === 'DescribeInstances')).toHaveLength(10);
  } finally {
    client.destroy();
    await big.close();
  }
});

test('RunInstances creates a root volume with the volume TagSpecification; DescribeInstances lists it and CreateTags/DeleteTags reach it by id', async () => {
  const out = await ec2.send(
    new RunInstancesCommand({
      MinCount: 1,
      MaxCount: 1,
      LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0', Version: '$Latest' },
      InstanceType: 't3.medium',
      SubnetId: 'subnet-0aaaabbbbccccdddd',
      MetadataOptions: { HttpTokens: 'required' },
      TagSpecifications: [
        { ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'vm-vol' }] },
        { ResourceType: 'volume', Tags: [{ Key: 'ManagedBy', Value: 'dev-vm-for-jira' }, { Key: 'CostCenter', Value: 'CC-1' }] },
      ],
    }),
  );
  const id = out.Instances?.[0]?.InstanceId ?? '';
  const [mapping] = (await describe1(id)).BlockDeviceMappings ?? [];
  expect(mapping).toMatchObject({ DeviceName: '/dev/xvda', Ebs: { Status: 'attached', DeleteOnTermination: true } });
  const volumeId = mapping?.Ebs?.VolumeId ?? '';
  expect(volumeId).toMatch(/^vol-[0-9a-f]{17}$/);
  const volumeTags = () => Object.fromEntries(aws.state.instances.get(id)?.rootVolume?.tags ?? []);
  expect(volumeTags()).toEqual({ ManagedBy: 'dev-vm-for-jira', CostCenter: 'CC-1' });

  await ec2.send(new CreateTagsCommand({ Resources: [id, volumeId], Tags: [{ Key: 'CostCenter', Value: 'CC-2' }] }));
  expect(volumeTags()).toEqual({ ManagedBy: 'dev-vm-for-jira', CostCenter: 'CC-2' });
  expect((await describe1(id)).Tags).toEqual(expect.arrayContaining([{ Key: 'CostCenter', Value: 'CC-2' }]));
  await ec2.send(new DeleteTagsCommand({ Resources: [id, volumeId], Tags: [{ Key: 'CostCenter' }] }));
  expect(volumeTags()).toEqual({ ManagedBy: 'dev-vm-for-jira' });

  const unknown = await ec2.send(new CreateTagsCommand({ Resources: ['vol-0000000000000dead'], Tags: [{ Key: 'CostCenter', Value: 'x' }] })).catch((e: unknown) => e);
  expect(unknown).toBeInstanceOf(EC2ServiceException);
  expect((unknown as EC2ServiceException).name).toBe('InvalidVolume.NotFound');
});
