import { Arn, ArnFormat, Aws, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ENVIRONMENT, Tag } from '../../../src/contract/tags';
import { LAUNCH_TAG_KEYS } from '../../lambda/shared/launch-tags';
import { HOME_ACCESS_POINT_ROLE_TAG, INSTANCE_ROLE_NAME_PREFIX } from '../../lambda/shared/resource-names';
import { ec2Arn, iamArn, imageArn } from './arns';

/** Tags RunInstances must carry on the instance; values are checked by the API, presence here. */
export const REQUIRED_LAUNCH_TAGS = [Tag.ClientName, Tag.DeveloperName, Tag.JiraIssue];

/** Owners whose public AMIs the launch templates resolve to: Amazon, Canonical, Red Hat. */
export const AMI_OWNERS = ['amazon', '099720109477', '309956199498'];

export interface LaunchPolicyProps {
  readonly managedBy: string;
  readonly launchTemplates: readonly ec2.ILaunchTemplate[];
  readonly subnetIds: readonly string[];
  readonly vmSecurityGroup: ec2.ISecurityGroup;
  readonly instanceRolePath: string;
  /**
   * The `allowedInstanceTypes` context flag. The API's code already refuses other types; the
   * policy refuses them too, so a bug or a compromised function cannot launch a costly one.
   */
  readonly allowedInstanceTypes: readonly string[];
  /** SSM parameters the launch templates' `resolve:ssm:` image ids name: EC2 reads them as the caller. */
  readonly amiParameters: readonly string[];
  /**
   * The templates resolve to this account's golden images (constructs/golden-image.ts): allow
   * images owned by this account that carry the stack's ManagedBy tag (Image Builder's
   * distribution tags each AMI it makes), and no other private image.
   */
  readonly goldenImages?: boolean;
}

/** ARN of an SSM parameter by name; AWS public parameters (`/aws/service/...`) have no account in theirs. */
export function ssmParameterArn(scope: Construct, name: string): string {
  if (name.startsWith('arn:')) return name;
  return Arn.format(
    {
      service: 'ssm',
      resource: 'parameter',
      resourceName: name.replace(/^\//, ''),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      ...(name.startsWith('/aws/service/') ? { account: '' } : {}),
    },
    Stack.of(scope),
  );
}

/**
 * RunInstances for the VM API, only through this stack's launch templates, only into the VM
 * subnets with the VM security group, only with ManagedBy/Environment and the identity tags set,
 * only with an allowed instance type, never with a public IP; plus passing the per-developer
 * instance roles to EC2.
 */
export class LaunchPolicy extends Construct {
  readonly policy: iam.Policy;
  constructor(scope: Construct, id: string, props: LaunchPolicyProps) {
    super(scope, id);
    if (props.allowedInstanceTypes.length === 0) throw new Error('LaunchPolicy: allowedInstanceTypes must not be empty');
    const fromOurTemplates = {
      ArnEquals: { 'ec2:LaunchTemplate': props.launchTemplates.map((lt) => ec2Arn(this, 'launch-template', lt.launchTemplateId!)) },
    };
    const requiredTags: Record<string, string> = {};
    for (const key of REQUIRED_LAUNCH_TAGS) requiredTags[`aws:RequestTag/${key}`] = 'false';
    // The instance profile must be the one of the developer the instance is tagged for: alice's
    // tags with bob's profile would give a VM only alice can open bob's secrets and home.
    // Global keys such as aws:RequestTag may be policy variables (IAM User Guide, "IAM policy
    // elements: Variables and tags": https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html).
    // Only the tag keys the API sets at launch (lambda/shared/launch-tags.ts, CostCenter included):
    // a request carrying any other key is refused, so the launch path cannot be used to stamp
    // arbitrary tags (e.g. keys other stacks' IAM conditions read) on new resources.
    const onlyLaunchTagKeys = { 'ForAllValues:StringEquals': { 'aws:TagKeys': [...LAUNCH_TAG_KEYS] } };
    const ownProfile = iamArn(this, 'instance-profile', props.instanceRolePath, `${INSTANCE_ROLE_NAME_PREFIX}\${aws:RequestTag/${Tag.DeveloperName}}`);

    this.policy = new iam.Policy(this, 'Policy', {
      statements: [
        new iam.PolicyStatement({
          sid: 'RunTaggedInstancesFromOurTemplates',
          actions: ['ec2:RunInstances'],
          resources: [ec2Arn(this, 'instance')],
          conditions: {
            ArnEquals: { ...fromOurTemplates.ArnEquals, 'ec2:InstanceProfile': ownProfile },
            StringEquals: {
              [`aws:RequestTag/${Tag.ManagedBy}`]: props.managedBy,
              [`aws:RequestTag/${Tag.Environment}`]: ENVIRONMENT,
              // The API sends InstanceType in every request (the templates carry none), so the
              // key is always present; a type outside the list is refused by IAM itself.
              'ec2:InstanceType': [...props.allowedInstanceTypes],
            },
            Null: requiredTags,
            ...onlyLaunchTagKeys,
          },
        }),
        new iam.PolicyStatement({
          sid: 'RunInstancesOtherResources',
          actions: ['ec2:RunInstances'],
          resources: [
            ...props.launchTemplates.map((lt) => ec2Arn(this, 'launch-template', lt.launchTemplateId!)),
            ...props.subnetIds.map((s) => ec2Arn(this, 'subnet', s)),
            ec2Arn(this, 'security-group', props.vmSecurityGroup.securityGroupId),
            ec2Arn(this, 'volume'),
            ec2Arn(this, 'network-interface'),
          ],
          conditions: fromOurTemplates,
        }),
        new iam.PolicyStatement({
          sid: 'RunInstancesPublicImages',
          actions: ['ec2:RunInstances'],
          resources: [imageArn(this)],
          conditions: { ...fromOurTemplates, StringEquals: { 'ec2:Owner': AMI_OWNERS } },
        }),
        ...(props.goldenImages
          ? [
              new iam.PolicyStatement({
                sid: 'RunInstancesGoldenImages',
                actions: ['ec2:RunInstances'],
                resources: [imageArn(this)],
                // ec2:Owner is the account id for an account's own images (EC2 User Guide, "Condition
                // keys for Amazon EC2": https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html#amazonec2-policy-keys).
                conditions: { ...fromOurTemplates, StringEquals: { 'ec2:Owner': Aws.ACCOUNT_ID, [`ec2:ResourceTag/${Tag.ManagedBy}`]: props.managedBy } },
              }),
            ]
          : []),
        new iam.PolicyStatement({
          // A launch template whose image is `resolve:ssm:<name>` makes RunInstances read the
          // parameter with the caller's credentials; without this every launch is refused.
          sid: 'ResolveAmiParameters',
          actions: ['ssm:GetParameters'],
          resources: props.amiParameters.map((p) => ssmParameterArn(this, p)),
        }),
        new iam.PolicyStatement({
          // IMDSv2 at the IAM level too, not only in the launch templates. EC2 fills
          // ec2:MetadataHttpTokens from the RunInstances request, not from the template it
          // references (a template-only launch arrives without the key, as CloudTrail shows in
          // aws/karpenter-provider-aws#9018), and a negated operator on a missing key matches: so
          // the VM API sends MetadataOptions {HttpTokens: required} with every launch
          // (lambda/vm-api/provision.ts), and any launch without it is refused here.
          sid: 'RequireImdsV2',
          effect: iam.Effect.DENY,
          actions: ['ec2:RunInstances'],
          resources: [ec2Arn(this, 'instance')],
          conditions: { StringNotEquals: { 'ec2:MetadataHttpTokens': 'required' } },
        }),
        new iam.PolicyStatement({
          // The subnets never map public IPs; this stops a request from asking for one anyway.
          sid: 'DenyPublicIp',
          effect: iam.Effect.DENY,
          actions: ['ec2:RunInstances'],
          resources: [ec2Arn(this, 'network-interface')],
          conditions: { Bool: { 'ec2:AssociatePublicIpAddress': 'true' } },
        }),
        new iam.PolicyStatement({
          sid: 'TagOnLaunchOnly',
          actions: ['ec2:CreateTags'],
          resources: [ec2Arn(this, 'instance'), ec2Arn(this, 'volume'), ec2Arn(this, 'network-interface')],
          conditions: { StringEquals: { 'ec2:CreateAction': 'RunInstances' }, ...onlyLaunchTagKeys },
        }),
        new iam.PolicyStatement({
          // The issue's cost center changed (operations.ts updateCostCenter): the CostCenter key only,
          // on this stack's volumes only (tagged ManagedBy at launch). The key must be present:
          // ForAllValues alone holds for a DeleteTags without tags, which deletes every tag (IAM
          // User Guide, "Single-valued vs. multivalued context keys":
          // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
          sid: 'RetagVolumeCostCenter',
          actions: ['ec2:CreateTags', 'ec2:DeleteTags'],
          resources: [ec2Arn(this, 'volume')],
          conditions: {
            StringEquals: { [`ec2:ResourceTag/${Tag.ManagedBy}`]: props.managedBy },
            'ForAllValues:StringEquals': { 'aws:TagKeys': [Tag.CostCenter] },
            Null: { 'aws:TagKeys': 'false' },
          },
        }),
        new iam.PolicyStatement({
          // RunInstances with the profile, and AddRoleToInstanceProfile (which IAM also authorises as PassRole).
          sid: 'PassInstanceRolesToEc2',
          actions: ['iam:PassRole'],
          resources: [iamArn(this, 'role', props.instanceRolePath)],
          conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
        }),
      ],
    });
    Validations.of(this.policy).acknowledge(
      { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]', reason: 'New instances have no id yet; RunInstances on instance/* requires ManagedBy/Environment/identity request tags and our launch templates.' },
      { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:volume/*]', reason: 'Root volumes are created by RunInstances; allowed only with our launch templates (ec2:LaunchTemplate) or as tag-on-create; later only the CostCenter tag of this stack\'s volumes.' },
      { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*]', reason: 'Primary ENIs are created by RunInstances; allowed only with our launch templates, public IPs denied.' },
      { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::image/*]', reason: 'AMIs come from SSM public parameters and change monthly; restricted to Amazon, Canonical and Red Hat owners.' },
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/${props.instanceRolePath.replace(/^\//, '')}*]`, reason: 'Per-developer instance roles are created at run time under this path; PassRole only to ec2.amazonaws.com.' },
    );
  }
}

export interface InstanceRoleAdminProps {
  /** Value of the ManagedBy tag every instance role carries (and the only roles re-tagged). */
  readonly managedBy: string;
  readonly instanceRolePath: string;
  readonly instancePolicy: iam.IManagedPolicy;
  readonly boundary: iam.IManagedPolicy;
}

/**
 * Lets the VM API create the per-developer instance role and profile: only under the path, only
 * with the stack's permissions boundary and tags, and only the stack's instance policy may be
 * attached. Re-tagging an existing role touches its home access point tag and nothing else.
 * The role's trust policy has no IAM condition key: the EC2-only trust is written by the API
 * (lambda/shared/iam.ts), and the instance policy and boundary require ec2:SourceInstanceARN, so
 * a role created with any other trust could still use none of its permissions.
 */
export class InstanceRoleAdminPolicy extends Construct {
  readonly policy: iam.Policy;
  constructor(scope: Construct, id: string, props: InstanceRoleAdminProps) {
    super(scope, id);
    const roles = iamArn(this, 'role', props.instanceRolePath);
    const profiles = iamArn(this, 'instance-profile', props.instanceRolePath);
    const withBoundary = { StringEquals: { 'iam:PermissionsBoundary': props.boundary.managedPolicyArn } };
    // A role carries exactly these tags: its sessions' aws:PrincipalTag/* decide which secret and
    // which home a VM reaches.
    const roleTagKeys = [Tag.DeveloperName, Tag.ManagedBy, HOME_ACCESS_POINT_ROLE_TAG];
    const onlyRoleTags = { 'ForAllValues:StringEquals': { 'aws:TagKeys': roleTagKeys } };
    const tagsOfANewRole = {
      ...onlyRoleTags,
      Null: { 'aws:TagKeys': 'false', [`aws:RequestTag/${Tag.DeveloperName}`]: 'false', [`aws:RequestTag/${HOME_ACCESS_POINT_ROLE_TAG}`]: 'false' },
    };
    this.policy = new iam.Policy(this, 'Policy', {
      statements: [
        new iam.PolicyStatement({
          sid: 'CreateRoleWithBoundaryAndTags',
          actions: ['iam:CreateRole'],
          resources: [roles],
          conditions: { ...tagsOfANewRole, StringEquals: { ...withBoundary.StringEquals, [`aws:RequestTag/${Tag.ManagedBy}`]: props.managedBy } },
        }),
        new iam.PolicyStatement({
          // CreateRole with Tags is also authorised as iam:TagRole on the new role. A role that
          // already has a DeveloperName (bob's) can never be given another (alice's): the
          // IfExists form holds for the role being created, whichever way IAM presents it.
          sid: 'TagRoleOnCreate',
          actions: ['iam:TagRole'],
          resources: [roles],
          conditions: {
            ...tagsOfANewRole,
            StringEquals: { [`aws:RequestTag/${Tag.ManagedBy}`]: props.managedBy },
            StringEqualsIfExists: {
              [`aws:ResourceTag/${Tag.DeveloperName}`]: `\${aws:RequestTag/${Tag.DeveloperName}}`,
              [`aws:ResourceTag/${Tag.ManagedBy}`]: props.managedBy,
            },
          },
        }),
        new iam.PolicyStatement({
          // Re-pointing an existing role at its developer's (recreated) home access point: that key only, this stack's roles only.
          sid: 'RetagHomeAccessPointOnly',
          actions: ['iam:TagRole'],
          resources: [roles],
          conditions: {
            'ForAllValues:StringEquals': { 'aws:TagKeys': [HOME_ACCESS_POINT_ROLE_TAG] },
            Null: { 'aws:TagKeys': 'false' },
            StringEquals: { [`aws:ResourceTag/${Tag.ManagedBy}`]: props.managedBy },
          },
        }),
        new iam.PolicyStatement({
          sid: 'AttachOnlyInstancePolicy',
          actions: ['iam:AttachRolePolicy'],
          resources: [roles],
          conditions: { StringEquals: { ...withBoundary.StringEquals, 'iam:PolicyARN': props.instancePolicy.managedPolicyArn } },
        }),
        new iam.PolicyStatement({ sid: 'ReadRoles', actions: ['iam:GetRole', 'iam:ListAttachedRolePolicies'], resources: [roles] }),
        new iam.PolicyStatement({
          sid: 'InstanceProfiles',
          actions: ['iam:CreateInstanceProfile', 'iam:AddRoleToInstanceProfile', 'iam:GetInstanceProfile', 'iam:TagInstanceProfile'],
          resources: [profiles],
        }),
      ],
    });
    const path = props.instanceRolePath.replace(/^\//, '');
    Validations.of(this.policy).acknowledge(
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/${path}*]`, reason: 'One role per developer, created at run time under this path only, always with the stack\'s permissions boundary.' },
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:instance-profile/${path}*]`, reason: 'One instance profile per developer, created at run time under this path only.' },
    );
  }
}
