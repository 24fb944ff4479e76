import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TEST_DELIVERY_PREFIX } from '../../../src/contract/events';

/** Every bucket of the stack: encrypted, private, TLS only, server access logs to one log bucket. */
export function secureBucket(scope: Construct, id: string, props: s3.BucketProps & { accessLogs: s3.IBucket | 'self' }): s3.Bucket {
  const { accessLogs, ...rest } = props;
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: RemovalPolicy.RETAIN,
    ...(accessLogs === 'self' ? {} : { serverAccessLogsBucket: accessLogs, serverAccessLogsPrefix: `${id}/` }),
    ...rest,
  });
  if (accessLogs === 'self') {
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server access log bucket itself; logging it into itself would log its own log deliveries forever.',
    });
  }
  return bucket;
}

export interface StorageProps {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  /** The only security group that may reach NFS (2049). */
  readonly vmSecurityGroup: ec2.ISecurityGroup;
}

/**
 * Developers' homes on EFS, the scheduler's state object, and the bucket that keeps the
 * access logs of the others.
 */
export class Storage extends Construct {
  readonly fileSystem: efs.FileSystem;
  readonly stateBucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);

    this.accessLogsBucket = secureBucket(this, 'AccessLogs', {
      accessLogs: 'self',
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
    });

    this.stateBucket = secureBucket(this, 'State', {
      accessLogs: this.accessLogsBucket,
      // Versioned: a bad write by the reconciler can be rolled back to the previous run's record.
      versioned: true,
      lifecycleRules: [
        { id: 'expire-old-state-versions', noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // Connection-test reports matter for seconds (infra-cdk/lambda/shared/test-delivery.ts).
        { id: 'expire-connection-tests', prefix: TEST_DELIVERY_PREFIX, expiration: Duration.days(1), noncurrentVersionExpiration: Duration.days(1) },
      ],
    });

    const efsSecurityGroup = new ec2.SecurityGroup(this, 'EfsSg', {
      vpc: props.vpc,
      description: 'EFS mount targets: NFS from the dev VMs only',
      allowAllOutbound: false,
    });
    efsSecurityGroup.addIngressRule(props.vmSecurityGroup, ec2.Port.tcp(efs.FileSystem.DEFAULT_PORT), 'NFS from dev VMs');

    this.fileSystem = new efs.FileSystem(this, 'Homes', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroup: efsSecurityGroup,
      encrypted: true,
      enableAutomaticBackups: true,
      // Homes are mostly cold between working days: IA is ~95% cheaper, and a file read returns to Standard.
      lifecyclePolicy: efs.LifecyclePolicy.AFTER_30_DAYS,
      outOfInfrequentAccessPolicy: efs.OutOfInfrequentAccessPolicy.AFTER_1_ACCESS,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: efs.ThroughputMode.ELASTIC,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Set on the L1 so that the policy is exactly the one below: the L2 would add its own statement
    // allowing ClientWrite/ClientRootAccess to any principal, which this policy must never contain.
    // Having a policy at all already turns away clients that mount without IAM (anonymous).
    (this.fileSystem.node.defaultChild as efs.CfnFileSystem).fileSystemPolicy = homesFileSystemPolicy();
  }
}

/**
 * The file system policy: TLS always; mounts only through an access point (each developer's
 * home, with its own POSIX identity) and only through a mount target; never root access. Who
 * may mount at all is then decided by the caller's identity policy (the instance policy), because
 * the only Allow here names the account.
 */
export function homesFileSystemPolicy(): iam.PolicyDocument {
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'DenyWithoutTls',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['*'],
        resources: ['*'],
        conditions: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
      new iam.PolicyStatement({
        sid: 'DenyMountsOutsideAccessPoints',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite', 'elasticfilesystem:ClientRootAccess'],
        resources: ['*'],
        conditions: { Null: { 'elasticfilesystem:AccessPointArn': 'true' } },
      }),
      new iam.PolicyStatement({
        sid: 'DenyRootAccess',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['elasticfilesystem:ClientRootAccess'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'AccountPrincipalsViaMountTargets',
        effect: iam.Effect.ALLOW,
        principals: [new iam.AccountRootPrincipal()],
        actions: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
        resources: ['*'],
        conditions: { Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' } },
      }),
    ],
  });
}
