import { Stack, Validations } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { MANAGED_BY, Tag } from '../../../src/contract/tags';
import { HOME_ACCESS_POINT_ROLE_TAG } from '../../lambda/shared/resource-names';
import { secretsUnderPrefix } from './arns';

/**
 * Identity of the VMs, attribute-based.
 *
 * Why per-developer roles: EC2 does not turn instance tags into principal tags. A role session of
 * an instance profile carries the ROLE's tags as `aws:PrincipalTag/*` (and `ec2:SourceInstanceARN`),
 * never the instance's. So the VM API creates, at run time, one role + instance profile per
 * developer under `INSTANCE_ROLE_PATH`, tags the role `DeveloperName=<developer>`, attaches this
 * stack's managed policy and sets the permissions boundary below. The single managed policy then
 * compares the secret's tag with the caller's role tag, so a VM reads its own developer's database
 * secrets and nothing else, without a policy per developer.
 */
export interface InstanceIdentityProps {
  readonly secretPrefix: string;
  readonly fileSystem: efs.IFileSystem;
}

/** What the SSM agent needs for Session Manager (the AmazonSSMManagedInstanceCore actions without parameters/S3 extras). */
export const SSM_AGENT_ACTIONS = [
  'ssm:UpdateInstanceInformation',
  'ssm:ListAssociations',
  'ssm:ListInstanceAssociations',
  'ssm:DescribeAssociation',
  'ssm:GetDocument',
  'ssm:DescribeDocument',
  'ssm:UpdateAssociationStatus',
  'ssm:UpdateInstanceAssociationStatus',
  'ssm:PutInventory',
  'ssm:PutComplianceItems',
  'ssm:PutConfigurePackageResult',
  'ssm:GetManifest',
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
  'ec2messages:AcknowledgeMessage',
  'ec2messages:DeleteMessage',
  'ec2messages:FailMessage',
  'ec2messages:GetEndpoint',
  'ec2messages:GetMessages',
  'ec2messages:SendReply',
];

export const accessPointArns = (scope: Construct): string =>
  Stack.of(scope).formatArn({ service: 'elasticfilesystem', resource: 'access-point', resourceName: '*' });

const ownAccessPointArn = (scope: Construct): string =>
  Stack.of(scope).formatArn({ service: 'elasticfilesystem', resource: 'access-point', resourceName: `\${aws:PrincipalTag/${HOME_ACCESS_POINT_ROLE_TAG}}` });

/**
 * Only credentials an EC2 instance profile delivered carry `ec2:SourceInstanceARN` (IAM User Guide,
 * "Using an IAM role to grant permissions to applications running on Amazon EC2 instances":
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html). Requiring it
 * on every statement means a session of these roles obtained any other way (sts:AssumeRole with
 * forged session tags, a role created with another trust policy) can use none of them.
 */
const FROM_AN_INSTANCE = { Null: { 'ec2:SourceInstanceARN': 'false' } };

/**
 * The first-boot signal (user-data.ts): the VM writes ONE tag, DevVmBootStatus, on itself.
 * Why a tag and not events:PutEvents (which EventBridge can condition on events:source and
 * events:detail-type): an event on a bus says nothing verifiable about who sent it, so any VM could
 * announce another VM "ready". A tag write is authorised against the instance it changes:
 * `ec2:ResourceTag/DeveloperName` must equal the role's `DeveloperName` (ABAC,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_ec2-start-stop-match-tags.html),
 * the instance must be ManagedBy this stack, and `ForAllValues` on `aws:TagKeys` (with Null=false,
 * so a request without tags cannot pass vacuously) allows that key and no other
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html). The
 * status also stays on the instance, where the reconciler's safety net and a person in the EC2
 * console can read it. Residual: a VM can write the status of another VM of the SAME developer.
 * EC2 has no documented condition binding the target instance to ec2:SourceInstanceARN.
 */
function bootStatusStatement(scope: Construct, abac: boolean): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'OwnBootStatusTag',
    actions: ['ec2:CreateTags'],
    resources: [Stack.of(scope).formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' })],
    conditions: {
      Null: { 'ec2:SourceInstanceARN': 'false', 'aws:TagKeys': 'false' },
      'ForAllValues:StringEquals': { 'aws:TagKeys': [Tag.BootStatus] },
      StringEquals: {
        [`ec2:ResourceTag/${Tag.ManagedBy}`]: MANAGED_BY,
        ...(abac ? { [`ec2:ResourceTag/${Tag.DeveloperName}`]: `\${aws:PrincipalTag/${Tag.DeveloperName}}` } : {}),
      },
    },
  });
}

function instanceStatements(props: InstanceIdentityProps, scope: Construct, abac: boolean): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ sid: 'SessionManagerAgent', actions: SSM_AGENT_ACTIONS, resources: ['*'], conditions: FROM_AN_INSTANCE }),
    new iam.PolicyStatement({
      sid: 'OwnDeveloperSecrets',
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resources: [secretsUnderPrefix(scope, props.secretPrefix)],
      conditions: abac
        ? { ...FROM_AN_INSTANCE, StringEquals: { [`aws:ResourceTag/${Tag.DeveloperName}`]: `\${aws:PrincipalTag/${Tag.DeveloperName}}` } }
        : FROM_AN_INSTANCE,
    }),
    new iam.PolicyStatement({
      // EFS cannot condition ClientMount on the access point's tags (its only resource is the file
      // system), so the file system policy and this statement require an access point, and the
      // access point pins the developer's uid/gid and home directory. Which access point: the one
      // named by the role's DevVmHomeAccessPoint tag (the VM API sets it), so root on one VM cannot
      // mount a colleague's home. The boundary only requires some access point.
      sid: 'HomeThroughAccessPoint',
      actions: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
      resources: [props.fileSystem.fileSystemArn],
      conditions: abac
        ? { ...FROM_AN_INSTANCE, StringEquals: { 'elasticfilesystem:AccessPointArn': ownAccessPointArn(scope) } }
        : { ...FROM_AN_INSTANCE, StringLike: { 'elasticfilesystem:AccessPointArn': accessPointArns(scope) } },
    }),
    bootStatusStatement(scope, abac),
  ];
}

/** The managed policy every per-developer instance role gets (INSTANCE_POLICY_ARN). */
export class VmInstancePolicy extends Construct {
  readonly policy: iam.ManagedPolicy;
  constructor(scope: Construct, id: string, props: InstanceIdentityProps) {
    super(scope, id);
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'Dev VM instance roles: SSM Session Manager, own developer DB secrets (by DeveloperName tag), home on EFS via access point',
      statements: instanceStatements(props, this, true),
    });
    acknowledgeInstanceWildcards(this.policy, props.secretPrefix);
  }
}

/**
 * Permissions boundary of every role the VM API creates (INSTANCE_BOUNDARY_ARN): even if the API
 * were tricked into attaching something else, a VM role can never exceed these actions.
 */
export class VmInstanceBoundary extends Construct {
  readonly policy: iam.ManagedPolicy;
  constructor(scope: Construct, id: string, props: InstanceIdentityProps) {
    super(scope, id);
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'Permissions boundary of dev VM instance roles',
      statements: instanceStatements(props, this, false),
    });
    acknowledgeInstanceWildcards(this.policy, props.secretPrefix);
  }
}

function acknowledgeInstanceWildcards(policy: iam.ManagedPolicy, prefix: string): void {
  Validations.of(policy).acknowledge(
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'The SSM agent APIs (ssm:UpdateInstanceInformation, ssmmessages:*, ec2messages:*) support no resource-level permissions.',
    },
    {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${prefix}*]`,
      reason: 'Secret names get a random suffix; the prefix pattern is narrowed to the caller\'s own secrets by the DeveloperName tag condition.',
    },
    {
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
      reason: 'The boot-status tag write is narrowed to the caller\'s own developer\'s managed instances and to the one DevVmBootStatus key by conditions, not by id (instance ids are not known in advance).',
    },
  );
}
