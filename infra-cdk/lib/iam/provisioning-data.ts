import { Validations } from 'aws-cdk-lib';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { Tag } from '../../../src/contract/tags';
import { ACCESS_POINT_TAG_KEYS } from '../../lambda/shared/launch-tags';
import { developerDbSecretPrefix } from '../../lambda/shared/resource-names';
import { secretsUnderPrefix } from './arns';
import { accessPointArns } from './instance-identity';

export interface ProvisioningDataProps {
  readonly managedBy: string;
  readonly secretPrefix: string;
  readonly masterSecrets: readonly secretsmanager.ISecret[];
  readonly fileSystem: efs.IFileSystem;
  readonly eventBus: events.IEventBus;
}

/**
 * What the VM API touches besides EC2 and IAM: per-client/per-developer database secrets (create
 * and read, under the prefix only), the RDS master secrets (read), developers' EFS access points
 * (create only with the ManagedBy and DeveloperName tags) and the event bus (put).
 */
export class ProvisioningDataPolicy extends Construct {
  readonly policy: iam.Policy;
  constructor(scope: Construct, id: string, props: ProvisioningDataProps) {
    super(scope, id);
    const onlyAccessPointTagKeys = { 'ForAllValues:StringEquals': { 'aws:TagKeys': [...ACCESS_POINT_TAG_KEYS] } };
    const statements = [
      new iam.PolicyStatement({
        sid: 'SecretsUnderPrefix',
        actions: [
          'secretsmanager:CreateSecret',
          'secretsmanager:PutSecretValue',
          'secretsmanager:GetSecretValue',
          'secretsmanager:DescribeSecret',
          'secretsmanager:TagResource',
          // A secret deleted by hand is restored rather than recreated (its name stays reserved for 7–30 days).
          'secretsmanager:RestoreSecret',
        ],
        // Developers' DB secrets only: the stack's other secrets under the prefix (the Lifecycle events signing secret,
        // the Forge access key, the RDS masters) are no business of the API's write/read here.
        resources: [secretsUnderPrefix(this, developerDbSecretPrefix(props.secretPrefix))],
      }),
      new iam.PolicyStatement({
        sid: 'CreateTaggedAccessPoints',
        actions: ['elasticfilesystem:CreateAccessPoint'],
        resources: [props.fileSystem.fileSystemArn],
        conditions: {
          StringEquals: { [`aws:RequestTag/${Tag.ManagedBy}`]: props.managedBy },
          Null: { [`aws:RequestTag/${Tag.DeveloperName}`]: 'false' },
          ...onlyAccessPointTagKeys,
        },
      }),
      new iam.PolicyStatement({
        // Tag-on-create is authorised as TagResource; the new access point (and, to be safe, its file system) as resource.
        sid: 'TagAccessPointsOnCreate',
        actions: ['elasticfilesystem:TagResource'],
        resources: [accessPointArns(this), props.fileSystem.fileSystemArn],
        conditions: { StringEquals: { 'elasticfilesystem:CreateAction': 'CreateAccessPoint' }, ...onlyAccessPointTagKeys },
      }),
      new iam.PolicyStatement({
        // A developer's existing home gets the CostCenter of their latest request (lambda/shared/efs.ts):
        // that key only, on this stack's access points only. The key must be present: ForAllValues
        // alone holds for a request without tags (IAM User Guide, "Single-valued vs. multivalued
        // context keys": https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
        // UntagResource removes it when the cost center is cleared (operations.ts updateCostCenter).
        sid: 'RetagAccessPointCostCenter',
        actions: ['elasticfilesystem:TagResource', 'elasticfilesystem:UntagResource'],
        resources: [accessPointArns(this)],
        conditions: {
          StringEquals: { [`aws:ResourceTag/${Tag.ManagedBy}`]: props.managedBy },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [Tag.CostCenter] },
          Null: { 'aws:TagKeys': 'false' },
        },
      }),
      new iam.PolicyStatement({
        // Only to clean up an access point the API itself created but could not finish (uid clash).
        sid: 'DeleteOwnAccessPoints',
        actions: ['elasticfilesystem:DeleteAccessPoint'],
        resources: [accessPointArns(this)],
        conditions: { StringEquals: { [`aws:ResourceTag/${Tag.ManagedBy}`]: props.managedBy } },
      }),
      new iam.PolicyStatement({
        sid: 'DescribeAccessPoints',
        actions: ['elasticfilesystem:DescribeAccessPoints'],
        resources: [props.fileSystem.fileSystemArn, accessPointArns(this)],
      }),
      new iam.PolicyStatement({ sid: 'PublishLifecycleEvents', actions: ['events:PutEvents'], resources: [props.eventBus.eventBusArn] }),
    ];
    if (props.masterSecrets.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'ReadDatabaseMasterSecrets',
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          resources: props.masterSecrets.map((s) => s.secretArn),
        }),
      );
    }
    this.policy = new iam.Policy(this, 'Policy', { statements });
    Validations.of(this.policy).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${developerDbSecretPrefix(props.secretPrefix)}*]`,
        reason: 'The API creates one DB secret per developer at run time; confined to the developers\' DB secret name prefix.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticfilesystem:<AWS::Region>:<AWS::AccountId>:access-point/*]',
        reason: 'Access points are created at run time; tagging only as part of CreateAccessPoint, which itself requires the ManagedBy/DeveloperName tags on this file system.',
      },
    );
  }
}
