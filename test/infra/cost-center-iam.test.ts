import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { LAUNCH_TAG_KEYS } from '../../infra-cdk/lambda/shared/launch-tags';
import { instanceTags } from '../../infra-cdk/lambda/vm-api/provision';
import { ProvisioningDataPolicy } from '../../infra-cdk/lib/iam/provisioning-data';
import { LaunchPolicy } from '../../infra-cdk/lib/iam/vm-launch';
import { MANAGED_BY } from '../../src/contract/tags';
import { ACCOUNT, decide, type Decision, policyDocument, type SimRequest } from './iam-sim';
import { resolveTokens, type TemplateJson } from './support';

// The CostCenter tag (issue 13) through the VM API's IAM, decided by the simulator: the key is
// allowed where the API writes it (launch, tag-on-create, the EFS access point), and a key the
// API never writes is refused at each of those places.
const stack = new Stack(new App(), 'CostCenter');
const template = new ec2.LaunchTemplate(stack, 'Template', { machineImage: ec2.MachineImage.latestAmazonLinux2023() });
const launch = new LaunchPolicy(stack, 'Launch', {
  managedBy: MANAGED_BY,
  launchTemplates: [template],
  subnetIds: ['subnet-0aaa1111'],
  vmSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0bbb2222'),
  instanceRolePath: '/dev-vm/',
  allowedInstanceTypes: ['t3.large'],
  amiParameters: ['/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64'],
});
const FS = 'fs-0123456789abcdef0';
const data = new ProvisioningDataPolicy(stack, 'Data', {
  managedBy: MANAGED_BY,
  secretPrefix: 'dev-vm/',
  masterSecrets: [],
  fileSystem: efs.FileSystem.fromFileSystemAttributes(stack, 'Fs', { fileSystemId: FS, securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'FsSg', 'sg-0ccc3333') }),
  eventBus: events.EventBus.fromEventBusArn(stack, 'Bus', `arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/dev-vm`),
});
const role = new iam.Role(stack, 'ApiRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
role.attachInlinePolicy(launch.policy);
role.attachInlinePolicy(data.policy);
const json = Template.fromStack(stack).toJSON() as TemplateJson;
const api = {
  identity: [launch.policy, data.policy].map((p) => policyDocument(json, stack.getLogicalId(p.node.defaultChild as never))),
};
const templateArn = `arn:aws:ec2:eu-west-1:${ACCOUNT}:launch-template/${resolveTokens({ Ref: stack.getLogicalId(template.node.defaultChild as never) }, json)}`;

/** The tags provision.ts sends for a request with a cost center (and any extra ones). */
function launchTags(extra: Record<string, string> = {}): Record<string, string> {
  const tags = instanceTags(
    {
      issueKey: 'DEV-1',
      client: 'acme',
      developer: 'jdoe',
      instanceType: 't3.large',
      os: 'al2023',
      schedule: { start: '08:00', stop: '18:00', timezone: 'Europe/Berlin', days: 'MON-FRI', enabled: true },
      idempotencyKey: 'jira:10001:1',
      costCenter: 'CC-1234',
    },
    MANAGED_BY,
    new Date('2026-11-30T08:00:00Z'),
  );
  return { ...Object.fromEntries(tags.map((t) => [t.Key, t.Value])), ...extra };
}
const tagContext = (tags: Record<string, string>) => ({
  ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
  'aws:TagKeys': Object.keys(tags),
});
const runInstance = (tags: Record<string, string>): SimRequest => ({
  action: 'ec2:RunInstances',
  resource: `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/i-0new0000000000000`,
  context: {
    ...tagContext(tags),
    'ec2:LaunchTemplate': templateArn,
    'ec2:MetadataHttpTokens': 'required',
    'ec2:InstanceProfile': `arn:aws:iam::${ACCOUNT}:instance-profile/dev-vm/dev-vm-jdoe`,
    'ec2:InstanceType': 't3.large',
  },
});
const tagOnLaunch = (resource: 'instance' | 'volume', tags: Record<string, string>): SimRequest => ({
  action: 'ec2:CreateTags',
  resource: `arn:aws:ec2:eu-west-1:${ACCOUNT}:${resource}/${resource === 'instance' ? 'i' : 'vol'}-0new0000000000000`,
  context: { ...tagContext(tags), 'ec2:CreateAction': 'RunInstances' },
});
const accessPoint = `arn:aws:elasticfilesystem:eu-west-1:${ACCOUNT}:access-point/fsap-0123456789abcdef0`;
const homeTags = { Name: 'home-jdoe', DeveloperName: 'jdoe', ManagedBy: MANAGED_BY, CostCenter: 'CC-1234' };
const createAccessPoint = (tags: Record<string, string>): SimRequest => ({
  action: 'elasticfilesystem:CreateAccessPoint',
  resource: `arn:aws:elasticfilesystem:eu-west-1:${ACCOUNT}:file-system/${FS}`,
  context: tagContext(tags),
});
const tagAccessPointOnCreate = (tags: Record<string, string>): SimRequest => ({
  action: 'elasticfilesystem:TagResource',
  resource: accessPoint,
  context: { ...tagContext(tags), 'elasticfilesystem:CreateAction': 'CreateAccessPoint' },
});
const retagAccessPoint = (tags: Record<string, string>, managedBy = MANAGED_BY): SimRequest => ({
  action: 'elasticfilesystem:TagResource',
  resource: accessPoint,
  context: { ...tagContext(tags), 'aws:ResourceTag/ManagedBy': managedBy, 'aws:ResourceTag/DeveloperName': 'jdoe' },
});

const volume = `arn:aws:ec2:eu-west-1:${ACCOUNT}:volume/vol-0aaa1111bbbb2222c`;
/** Retagging an existing volume (operations.ts updateCostCenter): CreateTags/DeleteTags carry the named keys in aws:TagKeys. */
const retagVolume = (action: 'ec2:CreateTags' | 'ec2:DeleteTags', keys: string[] | undefined, managedBy = MANAGED_BY): SimRequest => ({
  action,
  resource: volume,
  context: { ...(keys ? { 'aws:TagKeys': keys } : {}), [`ec2:ResourceTag/ManagedBy`]: managedBy },
});
const untagAccessPoint = (keys: string[], managedBy = MANAGED_BY): SimRequest => ({
  action: 'elasticfilesystem:UntagResource',
  resource: accessPoint,
  context: { 'aws:TagKeys': keys, 'aws:ResourceTag/ManagedBy': managedBy, 'aws:ResourceTag/DeveloperName': 'jdoe' },
});

describe('the cost center following the issue (updateCostCenter): only the CostCenter key, only this stack\'s volumes and homes', () => {
  it.each<[string, Decision, SimRequest]>([
    ['CreateTags CostCenter on this stack\'s volume', 'Allowed', retagVolume('ec2:CreateTags', ['CostCenter'])],
    ['DeleteTags CostCenter on this stack\'s volume', 'Allowed', retagVolume('ec2:DeleteTags', ['CostCenter'])],
    ['CreateTags of another key (Owner) on this stack\'s volume', 'ImplicitlyDenied', retagVolume('ec2:CreateTags', ['Owner'])],
    ['CreateTags of CostCenter and ManagedBy on this stack\'s volume', 'ImplicitlyDenied', retagVolume('ec2:CreateTags', ['CostCenter', 'ManagedBy'])],
    ['DeleteTags without keys (deletes every tag) on this stack\'s volume', 'ImplicitlyDenied', retagVolume('ec2:DeleteTags', undefined)],
    ['CreateTags CostCenter on another stack\'s volume', 'ImplicitlyDenied', retagVolume('ec2:CreateTags', ['CostCenter'], 'other-stack')],
    ['UntagResource CostCenter of this stack\'s home', 'Allowed', untagAccessPoint(['CostCenter'])],
    ['UntagResource DeveloperName of this stack\'s home', 'ImplicitlyDenied', untagAccessPoint(['DeveloperName'])],
    ['UntagResource CostCenter of another stack\'s access point', 'ImplicitlyDenied', untagAccessPoint(['CostCenter'], 'other-stack')],
  ])('%s → %s', async (_case, expected, request) => {
    expect(await decide(api, request)).toBe(expected);
  });
});

describe('CostCenter tag through the VM API role, evaluated', () => {
  it('the tags provision.ts builds are exactly the keys the launch policy allows (CostCenter included)', () => {
    expect(Object.keys(launchTags()).sort()).toEqual([...LAUNCH_TAG_KEYS].sort());
  });

  it.each<[string, Decision, SimRequest]>([
    ['RunInstances with CostCenter', 'Allowed', runInstance(launchTags())],
    ['RunInstances with CostCenter and an arbitrary other key (Owner)', 'ImplicitlyDenied', runInstance(launchTags({ Owner: 'mallory' }))],
    ['tag-on-create of the instance with CostCenter', 'Allowed', tagOnLaunch('instance', launchTags())],
    ['tag-on-create of the root volume with CostCenter', 'Allowed', tagOnLaunch('volume', launchTags())],
    ['tag-on-create of the root volume with an arbitrary key', 'ImplicitlyDenied', tagOnLaunch('volume', launchTags({ 'team:billing': 'x' }))],
    ['CreateAccessPoint with CostCenter', 'Allowed', createAccessPoint(homeTags)],
    ['CreateAccessPoint with an arbitrary other key', 'ImplicitlyDenied', createAccessPoint({ ...homeTags, Owner: 'mallory' })],
    ['the access point\'s tag-on-create with CostCenter', 'Allowed', tagAccessPointOnCreate(homeTags)],
    ['the access point\'s tag-on-create with an arbitrary other key', 'ImplicitlyDenied', tagAccessPointOnCreate({ ...homeTags, Owner: 'mallory' })],
    ['TagResource of an existing home with CostCenter', 'Allowed', retagAccessPoint({ CostCenter: 'CC-2' })],
    ['TagResource of an existing home with DeveloperName (handing a home to another developer)', 'ImplicitlyDenied', retagAccessPoint({ DeveloperName: 'mallory' })],
    ['TagResource of an existing home with CostCenter and another key', 'ImplicitlyDenied', retagAccessPoint({ CostCenter: 'CC-2', Owner: 'mallory' })],
    ['TagResource of another stack\'s access point with CostCenter', 'ImplicitlyDenied', retagAccessPoint({ CostCenter: 'CC-2' }, 'other-stack')],
  ])('%s → %s', async (_case, expected, request) => {
    expect(await decide(api, request)).toBe(expected);
  });
});
