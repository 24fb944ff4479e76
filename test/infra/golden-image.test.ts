import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { readConfig } from '../../infra-cdk/lib/config';
import { GOLDEN_IMAGE_SCHEDULE, goldenImageParameterName } from '../../infra-cdk/lib/constructs/golden-image';
import { LaunchPolicy } from '../../infra-cdk/lib/iam/vm-launch';
import { MANAGED_BY } from '../../src/contract/tags';
import { bakeToolsScript, checkToolsScript, toolsFingerprint } from '../../src/domain/user-data';
import { ACCOUNT, decide, type Decision, policyDocument, type SimRequest } from './iam-sim';
import { describeViolations, logicalIdOf, resourcesOfType, roleStatements, synth, type TemplateJson } from './support';

// Two syntheses: the default (no golden image) and golden images for all three OSes.
const off = synth();
const on = synth({ goldenImage: 'true', allowedOs: 'al2023,ubuntu-24.04,rhel-9', rhelAmiParameter: '/golden/rhel9' });
const OSES = ['al2023', 'ubuntu-24.04', 'rhel-9'] as const;
const paramName = (os: string) => goldenImageParameterName('TestStack', os as (typeof OSES)[number]);

const ofType = (json: TemplateJson, type: string) => resourcesOfType(json, type).map(([id, r]) => ({ id, props: r.Properties!, dependsOn: r.DependsOn }));
const imageIds = (json: TemplateJson) =>
  Object.fromEntries(ofType(json, 'AWS::EC2::LaunchTemplate').map(({ props }) => [(props.TagSpecifications as { Tags: { Key: string; Value: string }[] }[])[0]!.Tags.find((t) => t.Key === 'DevVmOs')!.Value, (props.LaunchTemplateData as { ImageId: string }).ImageId]));

describe('golden image pipeline (goldenImage setting)', () => {
  it('is off by default: no Image Builder resource, the templates resolve the stock public parameters', () => {
    expect(Object.values(off.json.Resources).filter((r) => r.Type.startsWith('AWS::ImageBuilder::'))).toEqual([]);
    expect(imageIds(off.json)).toEqual({
      al2023: 'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
      'ubuntu-24.04': 'resolve:ssm:/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id',
    });
  });

  it('stays cdk-nag clean when on', () => {
    expect(describeViolations(on.violations)).toEqual([]);
  });

  it('adds one component, recipe, distribution and scheduled pipeline per OS, and one build infrastructure', () => {
    const count = (type: string) => ofType(on.json, type).length;
    expect([count('AWS::ImageBuilder::Component'), count('AWS::ImageBuilder::ImageRecipe'), count('AWS::ImageBuilder::DistributionConfiguration'), count('AWS::ImageBuilder::ImagePipeline'), count('AWS::ImageBuilder::LifecyclePolicy'), count('AWS::ImageBuilder::InfrastructureConfiguration')]).toEqual([3, 3, 3, 3, 3, 1]);
    const pipelines = ofType(on.json, 'AWS::ImageBuilder::ImagePipeline').map(({ props }) => [props.Name, props.Schedule]);
    expect(pipelines).toEqual([
      ['TestStack-dev-vm-al2023', { ScheduleExpression: GOLDEN_IMAGE_SCHEDULE, PipelineExecutionStartCondition: 'EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE' }],
      ['TestStack-dev-vm-ubuntu-24-04', { ScheduleExpression: GOLDEN_IMAGE_SCHEDULE, PipelineExecutionStartCondition: 'EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE' }],
      // The admin's RHEL parameter has no version Image Builder could watch: rebuilt every week.
      ['TestStack-dev-vm-rhel-9', { ScheduleExpression: GOLDEN_IMAGE_SCHEDULE, PipelineExecutionStartCondition: 'EXPRESSION_MATCH_ONLY' }],
    ]);
    const parents = ofType(on.json, 'AWS::ImageBuilder::ImageRecipe').map(({ props }) => JSON.stringify(props.ParentImage));
    expect(parents[0]).toContain(':aws:image/amazon-linux-2023-x86/x.x.x');
    expect(parents[1]).toContain(':aws:image/ubuntu-server-24-lts-x86/x.x.x');
    expect(parents[2]).toBe('"ssm:/golden/rhel9"');
    for (const { props } of ofType(on.json, 'AWS::ImageBuilder::ImageRecipe')) {
      expect(props.AdditionalInstanceConfiguration).toEqual({ SystemsManagerAgent: { UninstallAfterBuild: false } });
      expect((props.BlockDeviceMappings as { Ebs: { Encrypted: boolean } }[])[0]!.Ebs.Encrypted).toBe(true);
    }
  });

  it('bakes with the user data\'s own install steps and validates that first boot will take the golden path', () => {
    const components = ofType(on.json, 'AWS::ImageBuilder::Component');
    OSES.forEach((os, i) => {
      const doc = JSON.parse(components[i]!.props.Data as string) as { phases: { name: string; steps: { action: string; inputs: { commands: string[] } }[] }[] };
      expect(doc.phases.map((p) => [p.name, p.steps[0]!.action, p.steps[0]!.inputs.commands])).toEqual([
        ['build', 'ExecuteBash', [bakeToolsScript(os)]],
        ['validate', 'ExecuteBash', [checkToolsScript(os)]],
      ]);
      expect(components[i]!.props.Version).toMatch(/^1\.0\.\d+$/);
      // CloudFormation takes inline component data up to 16,000 characters.
      expect((components[i]!.props.Data as string).length).toBeLessThan(16_000);
    });
    // Each AMI is tagged with the stack's ManagedBy (the VM API may launch only those) and the fingerprint.
    const tags = ofType(on.json, 'AWS::ImageBuilder::DistributionConfiguration').map(({ props }) => (props.Distributions as { AmiDistributionConfiguration: { AmiTags: Record<string, string> } }[])[0]!.AmiDistributionConfiguration.AmiTags);
    expect(tags.map((t) => [t.ManagedBy, t.DevVmOs, t.DevVmToolsFingerprint])).toEqual(OSES.map((os) => [MANAGED_BY, os, toolsFingerprint(os)]));
  });

  it('keeps the newest 3 images of each recipe and deletes older ones with their snapshots', () => {
    const recipes = ofType(on.json, 'AWS::ImageBuilder::ImageRecipe').map(({ props }) => ({ Name: props.Name, SemanticVersion: props.Version }));
    const policies = ofType(on.json, 'AWS::ImageBuilder::LifecyclePolicy').map(({ props }) => [props.ResourceType, props.PolicyDetails, (props.ResourceSelection as { Recipes: unknown[] }).Recipes]);
    expect(policies).toEqual(recipes.map((r) => ['AMI_IMAGE', [{ Action: { Type: 'DELETE', IncludeResources: { Amis: true, Snapshots: true } }, Filter: { Type: 'COUNT', Value: 3 } }], [r]]));
  });

  it('publishes each AMI id to a per-OS SSM parameter that exists from the first deploy, seeded with the stock AMI', () => {
    const distributions = ofType(on.json, 'AWS::ImageBuilder::DistributionConfiguration').map(({ props }) => (props.Distributions as { SsmParameterConfigurations: unknown }[])[0]!.SsmParameterConfigurations);
    expect(distributions).toEqual(OSES.map((os) => [{ ParameterName: paramName(os), DataType: 'aws:ec2:image' }]));
    const params = Object.fromEntries(ofType(on.json, 'AWS::SSM::Parameter').filter(({ props }) => String(props.Name).includes('/golden-image/')).map(({ props }) => [props.Name, [props.DataType, props.Value]]));
    expect(params).toEqual({
      [paramName('al2023')]: ['aws:ec2:image', '{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64}}'],
      [paramName('ubuntu-24.04')]: ['aws:ec2:image', '{{resolve:ssm:/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id}}'],
      [paramName('rhel-9')]: ['aws:ec2:image', '{{resolve:ssm:/golden/rhel9}}'],
    });
  });

  it('points each launch template at its golden parameter, created after it', () => {
    expect(imageIds(on.json)).toEqual(Object.fromEntries(OSES.map((os) => [os, `resolve:ssm:${paramName(os)}`])));
    const paramIds = OSES.map((os) => logicalIdOf(on.stack, on.stack.goldenImage!.parameters[os]!));
    for (const { dependsOn } of ofType(on.json, 'AWS::EC2::LaunchTemplate')) expect(dependsOn).toEqual(expect.arrayContaining(paramIds));
  });

  it('gives the build instance only the two documented managed policies and an inbound-closed security group', () => {
    const role = on.json.Resources[logicalIdOf(on.stack, on.stack.goldenImage!.buildRole)]!;
    expect(JSON.stringify(role.Properties!.ManagedPolicyArns)).toMatch(/AmazonSSMManagedInstanceCore.*EC2InstanceProfileForImageBuilder/);
    expect(role.Properties!.ManagedPolicyArns).toHaveLength(2);
    expect(roleStatements(on.json, logicalIdOf(on.stack, on.stack.goldenImage!.buildRole))).toEqual([]);
    const sg = on.json.Resources[logicalIdOf(on.stack, on.stack.goldenImage!.securityGroup)]!;
    expect(sg.Properties!.SecurityGroupIngress).toBeUndefined();
    const infra = ofType(on.json, 'AWS::ImageBuilder::InfrastructureConfiguration')[0]!.props;
    expect([infra.TerminateInstanceOnFailure, infra.InstanceMetadataOptions, infra.KeyPair]).toEqual([true, { HttpTokens: 'required', HttpPutResponseHopLimit: 2 }, undefined]);
  });

  it('lets the VM API resolve the golden parameters', () => {
    const resolve = roleStatements(on.json, logicalIdOf(on.stack, on.stack.api.fn.role!)).find((st) => st.Sid === 'ResolveAmiParameters')!;
    expect(JSON.stringify(resolve.Resource)).toContain(`parameter${paramName('al2023')}`);
    expect(JSON.stringify(resolve.Resource)).not.toContain('/aws/service/');
  });

  it('refuses goldenImage with egress "endpoints", where the build could not download anything', () => {
    const ctx = (values: Record<string, string>) => ({ tryGetContext: (k: string) => values[k] });
    expect(() => readConfig(ctx({ goldenImage: 'true', egress: 'endpoints' }))).toThrow(/context "goldenImage": needs egress "nat"/);
    expect(readConfig(ctx({ goldenImage: 'true' })).goldenImage).toBe(true);
  });
});

describe('VM API launch policy with golden images, evaluated', () => {
  const policyFor = (goldenImages: boolean) => {
    const stack = new Stack(new App(), 'Launch');
    const template = new ec2.LaunchTemplate(stack, 'Template', { machineImage: ec2.MachineImage.latestAmazonLinux2023() });
    const launch = new LaunchPolicy(stack, 'Launch', {
      managedBy: MANAGED_BY,
      launchTemplates: [template],
      subnetIds: ['subnet-0aaa1111'],
      vmSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0bbb2222'),
      instanceRolePath: '/dev-vm/',
      allowedInstanceTypes: ['t3.large'],
      amiParameters: ['/dev-vm/Launch/golden-image/al2023'],
      goldenImages,
    });
    new iam.Role(stack, 'ApiRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }).attachInlinePolicy(launch.policy);
    const json = Template.fromStack(stack).toJSON() as TemplateJson;
    return { doc: policyDocument(json, stack.getLogicalId(launch.policy.node.defaultChild as never)), templateArn: `arn:aws:ec2:eu-west-1:${ACCOUNT}:launch-template/lt-0` };
  };
  const withGolden = policyFor(true);
  const withoutGolden = policyFor(false);
  const templateArnOf = (p: ReturnType<typeof policyFor>) => {
    const st = p.doc.Statement.find((s) => s.Sid === 'RunInstancesPublicImages')!;
    return (st.Condition!.ArnEquals!['ec2:LaunchTemplate'] as string[])[0]!;
  };
  const image = (p: ReturnType<typeof policyFor>, owner: string, managedBy?: string): SimRequest => ({
    action: 'ec2:RunInstances',
    resource: 'arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0',
    context: { 'ec2:LaunchTemplate': templateArnOf(p), 'ec2:Owner': owner, ...(managedBy === undefined ? {} : { 'ec2:ResourceTag/ManagedBy': managedBy }) },
  });

  it.each<[string, Decision, boolean, string, string | undefined]>([
    ['a golden image of this account tagged by this stack', 'Allowed', true, ACCOUNT, MANAGED_BY],
    ['another private image of this account (no ManagedBy tag)', 'ImplicitlyDenied', true, ACCOUNT, undefined],
    ['an image of this account managed by another stack', 'ImplicitlyDenied', true, ACCOUNT, 'other-stack'],
    ['an image of another account tagged like ours', 'ImplicitlyDenied', true, '444455556666', MANAGED_BY],
    ['a public Amazon image (stock)', 'Allowed', true, 'amazon', undefined],
    ['a golden image when the setting is off', 'ImplicitlyDenied', false, ACCOUNT, MANAGED_BY],
  ])('RunInstances from %s → %s', async (_case, expected, golden, owner, managedBy) => {
    const p = golden ? withGolden : withoutGolden;
    expect(await decide({ identity: [p.doc] }, image(p, owner, managedBy))).toBe(expected);
  });
});
