import { Match } from 'aws-cdk-lib/assertions';
import { resourcesOfType, type Statement } from '../support';
import { stack, template, json, id, ref, actionsOf, vmSg, ingressRulesOf } from './template';

// infra-cdk/lib/constructs/storage.ts: the EFS homes and the scheduler's state bucket.

describe('EFS homes', () => {
  const fs = json.Resources[id(stack.storage.fileSystem)]!.Properties!;
  const efsSg = id(stack.storage.fileSystem.connections.securityGroups[0]!);

  it('is encrypted, backed up and moves cold files to Infrequent Access', () => {
    expect(fs.Encrypted).toBe(true);
    expect(fs.BackupPolicy).toEqual({ Status: 'ENABLED' });
    expect(fs.LifecyclePolicies).toEqual(expect.arrayContaining([{ TransitionToIA: 'AFTER_30_DAYS' }, { TransitionToPrimaryStorageClass: 'AFTER_1_ACCESS' }]));
  });

  it('has one mount target per private subnet, behind the EFS security group', () => {
    const targets = resourcesOfType(json, 'AWS::EFS::MountTarget').map(([, r]) => r.Properties!);
    const subnets = stack.network.vpc.selectSubnets(stack.network.privateSubnets).subnets.map((sn) => id(sn));
    expect(targets.map((t) => (t.SubnetId as { Ref: string }).Ref).sort()).toEqual(subnets.sort());
    for (const t of targets) expect(t.SecurityGroups).toEqual([{ 'Fn::GetAtt': [efsSg, 'GroupId'] }]);
  });

  it('allows NFS only from the VM security group', () => {
    expect(ingressRulesOf(efsSg)).toEqual([{ port: 2049, toPort: 2049, from: vmSg, cidr: undefined }]);
    expect(json.Resources[efsSg]!.Properties!.SecurityGroupIngress).toBeUndefined();
  });

  it('requires TLS, an access point and a mount target, and never grants root or anonymous access', () => {
    const statements = (fs.FileSystemPolicy as { Statement: Statement[] }).Statement;
    const sid = (x: string) => statements.find((st) => st.Sid === x)!;
    expect(sid('DenyWithoutTls')).toMatchObject({ Effect: 'Deny', Action: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(sid('DenyMountsOutsideAccessPoints')).toMatchObject({ Effect: 'Deny', Condition: { Null: { 'elasticfilesystem:AccessPointArn': 'true' } } });
    expect(sid('DenyRootAccess')).toMatchObject({ Effect: 'Deny', Action: 'elasticfilesystem:ClientRootAccess' });
    const allows = statements.filter((st) => st.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]!.Condition).toEqual({ Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' } });
    expect(JSON.stringify(allows[0]!.Principal)).toContain(':root');
    expect(actionsOf(allows[0]!)).not.toContain('elasticfilesystem:ClientRootAccess');
  });
});

describe('state bucket', () => {
  const bucket = json.Resources[id(stack.storage.stateBucket)]!.Properties!;
  it('is encrypted, private, versioned, with a lifecycle rule and TLS enforced', () => {
    // SSE-S3: the state holds instance ids and run hours, no secrets; no KMS key to manage.
    expect(bucket.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.LifecycleConfiguration).toEqual({
      Rules: [
        { Id: 'expire-old-state-versions', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, NoncurrentVersionExpiration: { NoncurrentDays: 30 } },
        // The connection test's reports (events.test.ts) live a day.
        { Id: 'expire-connection-tests', Status: 'Enabled', Prefix: 'connection-tests/', ExpirationInDays: 1, NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
      ],
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(stack.storage.stateBucket),
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
});
