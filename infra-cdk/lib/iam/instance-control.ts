import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { Tag } from '../../../src/contract/tags';
import { ec2Arn } from './arns';

/** Tags that decide who may reach a VM (SSM access is keyed on DeveloperName) or whether IAM lets us touch it: never rewritten after launch. */
export const PROTECTED_TAG_KEYS = [Tag.ManagedBy, Tag.DeveloperName, Tag.ClientName];

/**
 * The only tags the reconciler writes or removes (src/domain/reconcile.ts): a malformed schedule's
 * error and a busy VM's deferred stop. Its tag permission is limited to these keys, so a flaw in
 * it cannot park, unpark, keep or reschedule a VM.
 */
export const RECONCILER_TAG_KEYS: readonly string[] = [Tag.ScheduleError, Tag.StopDeferredUntil];

export interface InstanceControlProps {
  readonly managedBy: string;
  /** Terminate is for the VM API (on request) and the idle reaper; both pass true. */
  readonly allowTerminate: boolean;
  /** When set, tag writes and deletes may name only these keys (the reconciler); otherwise any but the protected ones. */
  readonly tagKeys?: readonly string[];
}

/**
 * Start/stop/terminate/retag of this stack's VMs only: every action on an instance requires
 * `ec2:ResourceTag/ManagedBy` = the stack's value, and tag writes may not touch the protected keys.
 * Used by the VM API and the reconciler.
 */
export class InstanceControlPolicy extends Construct {
  readonly policy: iam.Policy;
  constructor(scope: Construct, id: string, props: InstanceControlProps) {
    super(scope, id);
    const managed = { StringEquals: { [`ec2:ResourceTag/${Tag.ManagedBy}`]: props.managedBy } };
    this.policy = new iam.Policy(this, 'Policy', {
      statements: [
        new iam.PolicyStatement({
          sid: 'DescribeIsUnscoped',
          actions: ['ec2:DescribeInstances', 'ec2:DescribeInstanceStatus'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'LifecycleOfManagedInstances',
          actions: ['ec2:StartInstances', 'ec2:StopInstances', ...(props.allowTerminate ? ['ec2:TerminateInstances'] : [])],
          resources: [ec2Arn(this, 'instance')],
          conditions: managed,
        }),
        new iam.PolicyStatement({
          sid: 'RetagManagedInstances',
          actions: ['ec2:CreateTags', 'ec2:DeleteTags'],
          resources: [ec2Arn(this, 'instance')],
          // DeleteTags without a Tags parameter deletes every tag and carries no aws:TagKeys, so the
          // ForAllValues test alone would hold vacuously: the key must be present (IAM User Guide,
          // "Single-valued vs. multivalued context keys": ForAllValues matches a missing key;
          // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
          conditions: {
            ...managed,
            ...(props.tagKeys
              ? { 'ForAllValues:StringEquals': { 'aws:TagKeys': [...props.tagKeys] } }
              : { 'ForAllValues:StringNotEquals': { 'aws:TagKeys': PROTECTED_TAG_KEYS } }),
            Null: { 'aws:TagKeys': 'false' },
          },
        }),
      ],
    });
    Validations.of(this.policy).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ec2:DescribeInstances/DescribeInstanceStatus support no resource-level permissions (AWS requires "*"); read-only.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
        reason: 'Instance ids are not known in advance; every statement on instance/* carries the ec2:ResourceTag/ManagedBy condition.',
      },
    );
  }
}
