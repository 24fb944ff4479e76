import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TEST_DELIVERY_PREFIX } from '../../../src/contract/events';

/** Prefix (within the state bucket) of everything the scheduler keeps there. */
export const STATE_PREFIX = 'scheduler/';

/**
 * The scheduler's state objects: the reconciler reads and writes them, the VM API only reads
 * them (usage hours for the panel). Scoped to the prefix, not the bucket.
 */
export class StateAccessPolicy extends Construct {
  readonly policy: iam.Policy;
  constructor(scope: Construct, id: string, props: { bucket: s3.IBucket; write: boolean }) {
    super(scope, id);
    this.policy = new iam.Policy(this, 'Policy', {
      statements: [
        new iam.PolicyStatement({
          sid: props.write ? 'ReadWriteSchedulerState' : 'ReadSchedulerState',
          actions: props.write ? ['s3:GetObject', 's3:PutObject'] : ['s3:GetObject'],
          resources: [props.bucket.arnForObjects(`${STATE_PREFIX}*`)],
        }),
        new iam.PolicyStatement({
          // Without ListBucket a missing object answers 403 instead of 404 (first run).
          sid: 'ListSchedulerState',
          actions: ['s3:ListBucket'],
          resources: [props.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': `${STATE_PREFIX}*` } },
        }),
      ],
    });
    const bucketId = Stack.of(this).getLogicalId(props.bucket.node.defaultChild as s3.CfnBucket);
    Validations.of(this.policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${STATE_PREFIX}*]`,
      reason: 'The scheduler keeps one object per run under its prefix; names are not known in advance.',
    });
  }
}

/**
 * The connection test's report (infra-cdk/lambda/shared/test-delivery.ts): the notifier writes
 * what the Lifecycle events URL answered, the VM API reads it back. Scoped to its own prefix.
 */
export class TestDeliveryPolicy extends Construct {
  readonly policy: iam.Policy;
  constructor(scope: Construct, id: string, props: { bucket: s3.IBucket; write: boolean }) {
    super(scope, id);
    const objects = props.bucket.arnForObjects(`${TEST_DELIVERY_PREFIX}*`);
    this.policy = new iam.Policy(this, 'Policy', {
      statements: props.write
        ? [new iam.PolicyStatement({ sid: 'WriteTestDeliveries', actions: ['s3:PutObject'], resources: [objects] })]
        : [
            new iam.PolicyStatement({ sid: 'ReadTestDeliveries', actions: ['s3:GetObject'], resources: [objects] }),
            // Without ListBucket a report not yet written answers 403 instead of 404.
            new iam.PolicyStatement({ sid: 'ListTestDeliveries', actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': `${TEST_DELIVERY_PREFIX}*` } } }),
          ],
    });
    const bucketId = Stack.of(this).getLogicalId(props.bucket.node.defaultChild as s3.CfnBucket);
    Validations.of(this.policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${TEST_DELIVERY_PREFIX}*]`,
      reason: 'One object per connection test, named by its nonce; names are not known in advance.',
    });
  }
}
