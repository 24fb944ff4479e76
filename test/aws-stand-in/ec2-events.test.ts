import { CreateTagsCommand, DeleteTagsCommand, EC2Client, RunInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { startAwsStandIn, type AwsStandIn } from '../../local/aws';
import { DEFAULT_BUS } from '../../local/aws/ec2-events';
import { matchesPattern } from '../../local/aws/event-pattern';
import { AWS_EVENT_RULES } from '../../infra-cdk/lambda/notifier/aws-events';

/** EC2's own events on the default bus, as the stand-in records them (local/aws/ec2-events.ts). */

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

const awsEvents = () => aws.state.events.filter((e) => e.eventBusName === DEFAULT_BUS);
const envelope = (e: (typeof aws.state.events)[number]) => ({ source: e.source, 'detail-type': e.detailType, resources: e.resources, detail: e.detail });

it('records a state-change event for every state an instance enters, in order, without tags', async () => {
  const before = awsEvents().length;
  const id = (await ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.medium', SubnetId: 'subnet-0aaaabbbbccccdddd' }))).Instances?.[0]?.InstanceId as string;
  aws.advance(0);
  await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
  aws.advance(0);
  const mine = awsEvents().slice(before).filter((e) => e.source === 'aws.ec2');
  expect(mine.map((e) => e.detail)).toEqual([
    { 'instance-id': id, state: 'running' },
    { 'instance-id': id, state: 'stopping' },
    { 'instance-id': id, state: 'stopped' },
  ]);
  expect(mine.map((e) => matchesPattern(AWS_EVENT_RULES.ec2State, envelope(e)))).toEqual([true, false, true]);
  expect(mine[0]?.resources).toEqual([`arn:aws:ec2:${aws.region}:${aws.state.accountId}:instance/${id}`]);
});

it('records a Tag Change event naming the changed keys only, which the boot-status rule matches only for DevVmBootStatus', async () => {
  const id = (await ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.medium', SubnetId: 'subnet-0aaaabbbbccccdddd' }))).Instances?.[0]?.InstanceId as string;
  const before = awsEvents().length;
  await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'AutoStop', Value: '18:00' }] }));
  await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'AutoStop', Value: '18:00' }, { Key: 'DevVmBootStatus', Value: 'ready' }] }));
  await ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: 'AutoStop' }] }));
  const tagEvents = awsEvents().slice(before).filter((e) => e.source === 'aws.tag');
  expect(tagEvents.map((e) => e.detail['changed-tag-keys'])).toEqual([['AutoStop'], ['DevVmBootStatus'], ['AutoStop']]);
  expect(tagEvents[1]?.detail).toEqual(expect.objectContaining({ service: 'ec2', 'resource-type': 'instance', tags: { AutoStop: '18:00', DevVmBootStatus: 'ready' } }));
  expect(tagEvents.map((e) => matchesPattern(AWS_EVENT_RULES.bootStatus, envelope(e)))).toEqual([false, true, false]);
});
