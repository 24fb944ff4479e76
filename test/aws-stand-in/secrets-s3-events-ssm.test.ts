import http from 'node:http';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  InvalidRequestException,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  RestoreSecretCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { DescribeSessionsCommand, GetParameterCommand, ParameterAlreadyExists, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startAwsStandIn, type AwsStandIn } from '../../local/aws';

let aws: AwsStandIn;

beforeAll(async () => {
  aws = await startAwsStandIn({ transitionSeconds: 0 });
});
afterAll(async () => {
  await aws.close();
});

describe('Secrets Manager', () => {
  let sm: SecretsManagerClient;
  beforeAll(() => {
    sm = new SecretsManagerClient({ ...aws.clientConfig(), maxAttempts: 1 });
  });
  afterAll(() => sm.destroy());

  test('create, get by name and by ARN, describe, put a new version; a second create is ResourceExistsException', async () => {
    const created = await sm.send(new CreateSecretCommand({ Name: 'dev-vm/db/alice', SecretString: '{"password":"p1"}', Tags: [{ Key: 'DeveloperName', Value: 'alice' }] }));
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:eu-west-1:123456789012:secret:dev-vm\/db\/alice-[A-Za-z0-9]{6}$/);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'dev-vm/db/alice' }))).SecretString).toBe('{"password":"p1"}');
    const byArn = await sm.send(new GetSecretValueCommand({ SecretId: created.ARN ?? '' }));
    expect(byArn).toMatchObject({ Name: 'dev-vm/db/alice', VersionStages: ['AWSCURRENT'] });
    expect(byArn.CreatedDate).toBeInstanceOf(Date);

    const exists: unknown = await sm.send(new CreateSecretCommand({ Name: 'dev-vm/db/alice', SecretString: 'other' })).catch((e: unknown) => e);
    expect(exists).toBeInstanceOf(ResourceExistsException);

    const put = await sm.send(new PutSecretValueCommand({ SecretId: 'dev-vm/db/alice', SecretString: '{"password":"p2"}' }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'dev-vm/db/alice' }))).SecretString).toBe('{"password":"p2"}');
    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'dev-vm/db/alice' }));
    expect(described.Tags).toEqual([{ Key: 'DeveloperName', Value: 'alice' }]);
    expect(described.VersionIdsToStages?.[put.VersionId ?? '']).toEqual(['AWSCURRENT']);
    expect(Object.values(described.VersionIdsToStages ?? {})).toContainEqual(['AWSPREVIOUS']);

    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'dev-vm/db/nobody' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    // The preview page never sees secret values.
    expect(JSON.stringify(aws.snapshot())).not.toContain('p2');
  });

  test('a secret scheduled for deletion refuses reads until restored, and is gone after its recovery window', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'dev-vm/db/erin', SecretString: 's1' }));
    const del = await sm.send(new DeleteSecretCommand({ SecretId: 'dev-vm/db/erin', RecoveryWindowInDays: 7 }));
    expect(del.DeletionDate).toBeInstanceOf(Date);
    const refused: unknown = await sm.send(new GetSecretValueCommand({ SecretId: 'dev-vm/db/erin' })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidRequestException);
    expect((refused as Error).message).toMatch(/marked for deletion/);
    await expect(sm.send(new CreateSecretCommand({ Name: 'dev-vm/db/erin', SecretString: 's2' }))).rejects.toBeInstanceOf(InvalidRequestException);
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'dev-vm/db/erin' }))).DeletedDate).toBeInstanceOf(Date);
    await sm.send(new RestoreSecretCommand({ SecretId: 'dev-vm/db/erin' }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'dev-vm/db/erin' }))).SecretString).toBe('s1');

    await sm.send(new DeleteSecretCommand({ SecretId: 'dev-vm/db/erin', RecoveryWindowInDays: 7 }));
    aws.advance(7 * 86_400_000);
    await expect(sm.send(new DescribeSecretCommand({ SecretId: 'dev-vm/db/erin' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  test('GetRandomPassword honours length and exclusions', async () => {
    const { RandomPassword } = await sm.send(new GetRandomPasswordCommand({ PasswordLength: 40, ExcludePunctuation: true, ExcludeCharacters: 'abc' }));
    expect(RandomPassword).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(RandomPassword).not.toMatch(/[abc]/);
  });
});

describe('S3 (path-style, as the SDK chooses for an IP endpoint, without forcePathStyle)', () => {
  let s3: S3Client;
  beforeAll(() => {
    s3 = new S3Client({ ...aws.clientConfig(), maxAttempts: 1 });
  });
  afterAll(() => s3.destroy());

  test('conditional writes: If-None-Match creates once, If-Match with a stale ETag is a 412 surfaced by the SDK', async () => {
    const Bucket = 'dev-vm-state';
    const Key = 'scheduler/state.json';
    const first = await s3.send(new PutObjectCommand({ Bucket, Key, Body: '{"v":1}', IfNoneMatch: '*', ContentType: 'application/json' }));
    expect(first.ETag).toMatch(/^"[0-9a-f]{32}"$/);

    const dup: unknown = await s3.send(new PutObjectCommand({ Bucket, Key, Body: '{"v":1}', IfNoneMatch: '*' })).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(S3ServiceException);
    expect(dup).toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });

    const second = await s3.send(new PutObjectCommand({ Bucket, Key, Body: '{"v":2}', IfMatch: first.ETag, ContentType: 'application/json' }));
    const stale: unknown = await s3.send(new PutObjectCommand({ Bucket, Key, Body: '{"v":3}', IfMatch: first.ETag })).catch((e: unknown) => e);
    expect(stale).toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });

    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
    expect(got.ETag).toBe(second.ETag);
    expect(got.ContentType).toBe('application/json');
    expect(await got.Body?.transformToString()).toBe('{"v":2}');
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
    expect(head.ContentLength).toBe(7);
    expect(head.ETag).toBe(second.ETag);
  });

  test('a missing key is NoSuchKey on GET and NotFound on HEAD; keys with spaces and slashes round-trip', async () => {
    await expect(s3.send(new GetObjectCommand({ Bucket: 'dev-vm-state', Key: 'nope.json' }))).rejects.toBeInstanceOf(NoSuchKey);
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'dev-vm-state', Key: 'nope.json' }))).rejects.toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    await s3.send(new PutObjectCommand({ Bucket: 'dev-vm-state', Key: 'a dir/b+c é.json', Body: 'x' }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'dev-vm-state', Key: 'a dir/b+c é.json' }))).Body?.transformToString()).toBe('x');
    expect(aws.state.objects.has('dev-vm-state/a dir/b+c é.json')).toBe(true);
  });

  test('virtual-hosted addressing (bucket.localhost) is understood too', async () => {
    // Resolve every host to 127.0.0.1 so `dev-vm-vhost.localhost` reaches the stand-in, as it would with systemd-resolved.
    const lookup = ((_host: string, opts: { all?: boolean }, cb: (err: Error | null, address: string | { address: string; family: number }[], family?: number) => void) =>
      opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) as unknown as http.AgentOptions['lookup'];
    const agent = new http.Agent({ lookup });
    const vhost = new S3Client({ ...aws.clientConfig(), endpoint: `http://localhost:${aws.port}`, requestHandler: { httpAgent: agent }, maxAttempts: 1 });
    try {
      await vhost.send(new PutObjectCommand({ Bucket: 'dev-vm-vhost', Key: 'k/v.txt', Body: 'vh' }));
      expect(aws.state.objects.get('dev-vm-vhost/k/v.txt')?.body.toString()).toBe('vh');
      expect(await (await vhost.send(new GetObjectCommand({ Bucket: 'dev-vm-vhost', Key: 'k/v.txt' }))).Body?.transformToString()).toBe('vh');
    } finally {
      vhost.destroy();
      agent.destroy();
    }
  });

  test('forcePathStyle: true works the same', async () => {
    const forced = new S3Client({ ...aws.clientConfig(), forcePathStyle: true, maxAttempts: 1 });
    try {
      await forced.send(new PutObjectCommand({ Bucket: 'dev-vm-state', Key: 'forced.txt', Body: 'ok' }));
      expect(await (await forced.send(new GetObjectCommand({ Bucket: 'dev-vm-state', Key: 'forced.txt' }))).Body?.transformToString()).toBe('ok');
    } finally {
      forced.destroy();
    }
  });
});

test('EventBridge PutEvents records valid entries and reports malformed ones in FailedEntryCount', async () => {
  const eb = new EventBridgeClient({ ...aws.clientConfig(), maxAttempts: 1 });
  try {
    const out = await eb.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: 'dev-vm', Source: 'dev-vm.reconciler', DetailType: 'VmStopped', Detail: JSON.stringify({ instanceId: 'i-1', issueKey: 'PROJ-1' }) },
          { EventBusName: 'dev-vm', Source: 'dev-vm.reconciler', DetailType: 'VmStopped', Detail: 'not json' },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.[0]?.EventId).toBeTruthy();
    expect(out.Entries?.[1]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    expect(aws.state.events.at(-1)).toMatchObject({ eventBusName: 'dev-vm', detailType: 'VmStopped', detail: { issueKey: 'PROJ-1' } });
  } finally {
    eb.destroy();
  }
});

test('SSM parameter round trip, with ParameterNotFound and ParameterAlreadyExists', async () => {
  const ssm = new SSMClient({ ...aws.clientConfig(), maxAttempts: 1 });
  try {
    await expect(ssm.send(new GetParameterCommand({ Name: '/dev-vm/webtrigger-url' }))).rejects.toBeInstanceOf(ParameterNotFound);
    const put = await ssm.send(new PutParameterCommand({ Name: '/dev-vm/webtrigger-url', Value: 'https://example.invalid/x', Type: 'String' }));
    expect(put.Version).toBe(1);
    await expect(ssm.send(new PutParameterCommand({ Name: '/dev-vm/webtrigger-url', Value: 'y', Type: 'String' }))).rejects.toBeInstanceOf(ParameterAlreadyExists);
    await ssm.send(new PutParameterCommand({ Name: '/dev-vm/webtrigger-url', Value: 'https://example.invalid/y', Overwrite: true }));
    const got = await ssm.send(new GetParameterCommand({ Name: '/dev-vm/webtrigger-url' }));
    expect(got.Parameter).toMatchObject({ Value: 'https://example.invalid/y', Version: 2, Type: 'String' });
    expect(got.Parameter?.LastModifiedDate).toBeInstanceOf(Date);
  } finally {
    ssm.destroy();
  }
});

test('SSM DescribeSessions: Active vs History, InvokedAfter, 200 per page with NextToken, as AWS documents', async () => {
  const ssm = new SSMClient({ ...aws.clientConfig(), maxAttempts: 1 });
  try {
    const now = aws.clock.now();
    for (let i = 0; i < 250; i++) aws.state.sessions.push({ sessionId: `s-a${i}`, target: `i-${String(i).padStart(17, '0')}`, owner: 'arn:aws:iam::123456789012:user/dev', status: 'Connected', startDate: now - 3_600_000 });
    aws.state.sessions.push({ sessionId: 's-old', target: 'i-00000000000000001', owner: 'arn:aws:iam::123456789012:user/dev', status: 'Terminated', startDate: now - 3 * 86_400_000, endDate: now - 3 * 86_400_000 + 600_000 });
    aws.state.sessions.push({ sessionId: 's-new', target: 'i-00000000000000002', owner: 'arn:aws:iam::123456789012:user/dev', status: 'Terminated', startDate: now - 7_200_000, endDate: now - 3_600_000 });
    const first = await ssm.send(new DescribeSessionsCommand({ State: 'Active', MaxResults: 200 }));
    expect(first.Sessions).toHaveLength(200);
    const second = await ssm.send(new DescribeSessionsCommand({ State: 'Active', MaxResults: 200, NextToken: first.NextToken }));
    expect(second.Sessions).toHaveLength(50);
    expect(second.NextToken).toBeUndefined();
    const after = new Date(now - 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const history = await ssm.send(new DescribeSessionsCommand({ State: 'History', Filters: [{ key: 'InvokedAfter', value: after }] }));
    expect(history.Sessions?.map((s) => s.SessionId)).toEqual(['s-new']);
    expect(history.Sessions?.[0]?.EndDate).toBeInstanceOf(Date);
    await expect(ssm.send(new DescribeSessionsCommand({ State: 'Active', MaxResults: 201 }))).rejects.toMatchObject({ name: 'ValidationException' });
  } finally {
    ssm.destroy();
  }
});
