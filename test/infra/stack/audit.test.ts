import { Match } from 'aws-cdk-lib/assertions';
import { MANAGED_BY } from '../../../src/contract/tags';
import { type Statement } from '../support';
import { stack, template, json, id, ref, actionsOf, has, resourcesText } from './template';

// infra-cdk/lib/constructs/audit.ts and lib/iam/developer-access.ts (issue 7): CloudTrail and developer session access.

describe('CloudTrail (issue 7)', () => {
  it('logs all regions with file validation into the audit bucket', () => {
    template.hasResourceProperties('AWS::CloudTrail::Trail', {
      IsMultiRegionTrail: true,
      EnableLogFileValidation: true,
      IncludeGlobalServiceEvents: true,
      IsLogging: true,
      S3BucketName: ref(stack.audit!.bucket),
    });
  });

  it('keeps the logs encrypted, private, TLS-only, with a lifecycle rule', () => {
    const b = json.Resources[id(stack.audit!.bucket)]!.Properties!;
    expect(b.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(b.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true, RestrictPublicBuckets: true });
    expect(b.LifecycleConfiguration).toEqual({
      Rules: [
        {
          Id: 'archive-then-expire-trail-logs',
          Status: 'Enabled',
          Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }],
          ExpirationInDays: 400,
          NoncurrentVersionExpiration: { NoncurrentDays: 30 },
        },
      ],
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(stack.audit!.bucket),
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
});

describe('developer access (issue 7)', () => {
  const doc = json.Resources[id(stack.developerAccess!.policy)]!.Properties!.PolicyDocument as { Statement: Statement[] };
  it('is attached to a developers group', () => {
    template.hasResourceProperties('AWS::IAM::Group', { ManagedPolicyArns: [ref(stack.developerAccess!.policy)] });
  });
  it('starts sessions only on this stack\'s instances tagged with the caller\'s DeveloperName, with the shell document only', () => {
    const start = doc.Statement.filter((st) => has(st, 'ssm:StartSession'));
    expect(start).toHaveLength(2);
    const onInstance = start.find((st) => resourcesText(st).includes(':instance/*'))!;
    expect(onInstance.Condition!.StringEquals).toEqual({ 'ssm:resourceTag/DeveloperName': '${aws:PrincipalTag/DeveloperName}', 'ssm:resourceTag/ManagedBy': MANAGED_BY });
    expect(resourcesText(start.find((st) => st !== onInstance)!)).toContain(':document/SSM-SessionManagerRunShell');
  });
  it('allows no launch, stop, terminate or IAM action', () => {
    const actions = doc.Statement.flatMap(actionsOf);
    for (const a of actions) expect(a).toMatch(/^(ec2:Describe|ssm:(Describe|Get|StartSession|TerminateSession|ResumeSession))/);
  });
});
