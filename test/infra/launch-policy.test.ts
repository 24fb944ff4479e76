import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { LaunchPolicy } from '../../infra-cdk/lib/iam/vm-launch';
import { MANAGED_BY } from '../../src/contract/tags';
import { ACCOUNT, decide, type Decision, policyDocument, type SimRequest } from './iam-sim';
import { resolveTokens, type TemplateJson } from './support';

// The VM API's launch policy as synthesized (tokens resolved to account 111122223333,
// region eu-west-1), decided by the IAM simulator (iam-sim.ts) for the instance resource of a RunInstances call.
const ALLOWED = ['t3.large', 'm7i.large'];
const stack = new Stack(new App(), 'Launch');
const template = new ec2.LaunchTemplate(stack, 'Template', { machineImage: ec2.MachineImage.latestAmazonLinux2023() });
const launch = new LaunchPolicy(stack, 'Launch', {
  managedBy: MANAGED_BY,
  launchTemplates: [template],
  subnetIds: ['subnet-0aaa1111'],
  vmSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0bbb2222'),
  instanceRolePath: '/dev-vm/',
  allowedInstanceTypes: ALLOWED,
  amiParameters: ['/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64'],
});
// An iam.Policy is only synthesized once attached to a principal.
new iam.Role(stack, 'ApiRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }).attachInlinePolicy(launch.policy);
const json = Template.fromStack(stack).toJSON() as TemplateJson;

const launchDoc = policyDocument(json, stack.getLogicalId(launch.policy.node.defaultChild as never));
const statements = launchDoc.Statement;
const api = { identity: [launchDoc] };

const templateArn = `arn:aws:ec2:eu-west-1:${ACCOUNT}:launch-template/${resolveTokens({ Ref: stack.getLogicalId(template.node.defaultChild as never) }, json)}`;
const tags = {
  'aws:RequestTag/ManagedBy': MANAGED_BY,
  'aws:RequestTag/Environment': 'dev',
  'aws:RequestTag/ClientName': 'acme',
  'aws:RequestTag/DeveloperName': 'jdoe',
  'aws:RequestTag/JiraIssue': 'DEV-1',
};
/** The instance resource of `RunInstances` from our template with the identity tags and IMDSv2 set, as the VM API sends it. */
const runInstance = (instanceType: string | undefined, extra: Record<string, string> = {}): SimRequest => ({
  action: 'ec2:RunInstances',
  // The instance does not exist yet; its ARN has an id the simulator accepts as one resource.
  resource: `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/i-0new0000000000000`,
  context: {
    ...tags,
    'aws:TagKeys': Object.keys(tags).map((k) => k.slice('aws:RequestTag/'.length)),
    'ec2:LaunchTemplate': templateArn,
    'ec2:MetadataHttpTokens': 'required',
    'ec2:InstanceProfile': `arn:aws:iam::${ACCOUNT}:instance-profile/dev-vm/dev-vm-jdoe`,
    ...(instanceType === undefined ? {} : { 'ec2:InstanceType': instanceType }),
    ...extra,
  },
});

describe('VM API launch policy, evaluated', () => {
  it.each<[string, Decision, SimRequest]>([
    ['an allowed type (t3.large)', 'Allowed', runInstance('t3.large')],
    ['the other allowed type (m7i.large)', 'Allowed', runInstance('m7i.large')],
    ['a type outside allowedInstanceTypes (p5.48xlarge)', 'ImplicitlyDenied', runInstance('p5.48xlarge')],
    ['an allowed family in another size (t3.2xlarge)', 'ImplicitlyDenied', runInstance('t3.2xlarge')],
    ['no instance type in the request context', 'ImplicitlyDenied', runInstance(undefined)],
    ['an allowed type but another ManagedBy value', 'ImplicitlyDenied', runInstance('t3.large', { 'aws:RequestTag/ManagedBy': 'someone-else' })],
    ['an allowed type from another launch template', 'ImplicitlyDenied', runInstance('t3.large', { 'ec2:LaunchTemplate': 'arn:aws:ec2:eu-west-1:111122223333:launch-template/lt-0other' })],
  ])('RunInstances with %s → %s', async (_case, expected, request) => {
    expect(await decide(api, request)).toBe(expected);
  });

  it('conditions instance/* on exactly the allowedInstanceTypes list', () => {
    const onInstances = statements.filter((st) => st.Effect === 'Allow' && JSON.stringify(st.Resource).includes(':instance/*') && JSON.stringify(st.Action).includes('ec2:RunInstances'));
    expect(onInstances).toHaveLength(1);
    expect(onInstances[0]!.Condition!.StringEquals!['ec2:InstanceType']).toEqual(ALLOWED);
  });

  it('refuses a launch that does not require IMDSv2 in the request itself', async () => {
    // ec2:MetadataHttpTokens comes from the request, not from the launch template, so the VM API
    // sends MetadataOptions with every launch and a launch without it is denied.
    const deny = statements.filter((st) => st.Effect === 'Deny' && JSON.stringify(st.Condition ?? {}).includes('ec2:MetadataHttpTokens'));
    expect(deny).toHaveLength(1);
    expect(await decide(api, runInstance('t3.large', { 'ec2:MetadataHttpTokens': 'required' }))).toBe('Allowed');
    expect(await decide(api, runInstance('t3.large', { 'ec2:MetadataHttpTokens': 'optional' }))).toBe('ExplicitlyDenied');
    const { 'ec2:MetadataHttpTokens': _omitted, ...withoutKey } = runInstance('t3.large').context!;
    expect(await decide(api, { ...runInstance('t3.large'), context: withoutKey })).toBe('ExplicitlyDenied');
  });

  it('refuses an empty allow-list instead of writing a policy that matches nothing', () => {
    const s = new Stack(new App(), 'Empty');
    expect(
      () =>
        new LaunchPolicy(s, 'Launch', {
          managedBy: MANAGED_BY,
          launchTemplates: [new ec2.LaunchTemplate(s, 'T', {})],
          subnetIds: ['subnet-0aaa1111'],
          vmSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(s, 'Sg', 'sg-0bbb2222'),
          instanceRolePath: '/dev-vm/',
          allowedInstanceTypes: [],
          amiParameters: [],
        }),
    ).toThrow(/allowedInstanceTypes/);
  });
});
