import { DescribeInstancesCommand, EC2Client, RunInstancesCommand, StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { GetRoleCommand, IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNAPSHOT_PATH, startAwsStandIn, type AwsStandIn } from '../../local/aws';

let aws: AwsStandIn;

beforeAll(async () => {
  aws = await startAwsStandIn({ transitionSeconds: 0 });
});
afterAll(async () => {
  await aws.close();
});

async function stoppedInstance(ec2: EC2Client): Promise<string> {
  const run = await ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, ImageId: 'ami-0123456789abcdef0' }));
  const id = run.Instances?.[0]?.InstanceId ?? '';
  aws.settle();
  await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
  aws.settle();
  return id;
}

async function stateOf(ec2: EC2Client, id: string) {
  return (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0];
}

describe('fault injection', () => {
  test('throttled calls are retried by the SDK and then succeed', async () => {
    const ec2 = new EC2Client(aws.clientConfig()); // default retry strategy: 3 attempts
    const sm = new SecretsManagerClient(aws.clientConfig());
    try {
      const before = aws.state.calls.length;
      const fault = aws.injectFault({ kind: 'throttle', service: 'ec2', operation: 'DescribeInstances', calls: 2 });
      const out = await ec2.send(new DescribeInstancesCommand({}));
      expect(out.Reservations).toBeDefined();
      expect(out.$metadata.attempts).toBe(3);
      expect(fault.remaining()).toBe(0);
      expect(aws.state.calls.slice(before).map((c) => c.errorCode ?? c.status)).toEqual(['RequestLimitExceeded', 'RequestLimitExceeded', 200]);

      aws.injectFault({ kind: 'throttle', service: 'secretsmanager', calls: 1 });
      await expect(sm.send(new GetSecretValueCommand({ SecretId: 'none' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { attempts: 2 } });
    } finally {
      ec2.destroy();
      sm.destroy();
    }
  });

  test('InsufficientInstanceCapacity fails StartInstances for that instance until cleared', async () => {
    const ec2 = new EC2Client({ ...aws.clientConfig(), maxAttempts: 1 });
    try {
      const id = await stoppedInstance(ec2);
      const fault = aws.injectFault({ kind: 'insufficient-capacity', instanceId: id });
      await expect(ec2.send(new StartInstancesCommand({ InstanceIds: [id] }))).rejects.toMatchObject({
        name: 'InsufficientInstanceCapacity',
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
      });
      expect((await stateOf(ec2, id))?.State?.Name).toBe('stopped');
      fault.clear();
      await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
      aws.settle();
      expect((await stateOf(ec2, id))?.State?.Name).toBe('running');
    } finally {
      ec2.destroy();
    }
  });

  test('a start that falls back goes pending, then stopped with a Server.* StateReason', async () => {
    const ec2 = new EC2Client({ ...aws.clientConfig(), maxAttempts: 1 });
    try {
      const id = await stoppedInstance(ec2);
      aws.injectFault({ kind: 'start-falls-back', instanceId: id, times: 1 });
      const started = await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
      expect(started.StartingInstances?.[0]?.CurrentState?.Name).toBe('pending');
      aws.settle();
      const inst = await stateOf(ec2, id);
      expect(inst?.State?.Name).toBe('stopped');
      expect(inst?.StateReason).toEqual({ Code: 'Server.InsufficientInstanceCapacity', Message: 'Server.InsufficientInstanceCapacity: Insufficient capacity.' });
      // The budget was one: the next start succeeds.
      await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
      aws.settle();
      expect((await stateOf(ec2, id))?.State?.Name).toBe('running');
    } finally {
      ec2.destroy();
    }
  });

  test('an arbitrary error can be injected for one operation', async () => {
    const ec2 = new EC2Client({ ...aws.clientConfig(), maxAttempts: 1 });
    try {
      aws.injectFault({
        kind: 'error',
        service: 'ec2',
        operation: 'RunInstances',
        code: 'InvalidParameterValue',
        status: 400,
        message: 'Value (arn:…) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN',
        times: 1,
      });
      await expect(ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, ImageId: 'ami-0123456789abcdef0' }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
      await expect(ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, ImageId: 'ami-0123456789abcdef0' }))).resolves.toBeDefined();
    } finally {
      ec2.destroy();
    }
  });
});

describe('SigV4', () => {
  const wrong = { accessKeyId: 'AKIASTANDIN000000001', secretAccessKey: 'wrong-secret' };
  const unknownKey = { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' };

  test('a bad signature or unknown key gets each service’s own auth error', async () => {
    const cfg = { endpoint: aws.url, region: aws.region, maxAttempts: 1 };
    const clients = {
      ec2: new EC2Client({ ...cfg, credentials: wrong }),
      iam: new IAMClient({ ...cfg, credentials: wrong }),
      iamUnknown: new IAMClient({ ...cfg, credentials: unknownKey }),
      sm: new SecretsManagerClient({ ...cfg, credentials: wrong }),
      s3: new S3Client({ ...cfg, credentials: wrong }),
    };
    try {
      await expect(clients.ec2.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({ name: 'AuthFailure', $metadata: { httpStatusCode: 401 } });
      await expect(clients.iam.send(new GetRoleCommand({ RoleName: 'x' }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
      await expect(clients.iamUnknown.send(new GetRoleCommand({ RoleName: 'x' }))).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
      await expect(clients.sm.send(new GetSecretValueCommand({ SecretId: 'x' }))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
      await expect(clients.s3.send(new GetObjectCommand({ Bucket: 'dev-vm-state', Key: 'k' }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    } finally {
      for (const c of Object.values(clients)) c.destroy();
    }
  });

  test('an unsigned request is refused', async () => {
    const res = await fetch(aws.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=DescribeInstances&Version=2016-11-15' });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('<Code>AuthFailure</Code>');
  });

  test('the snapshot is readable unsigned over HTTP, for a preview running in another process', async () => {
    const res = await fetch(`${aws.url}${SNAPSHOT_PATH}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ label: 'simulated AWS', region: 'eu-west-1' });
  });

  test("credentials: 'any' accepts any correctly formed signature", async () => {
    const lax = await startAwsStandIn({ credentials: 'any' });
    try {
      const ec2 = new EC2Client({ endpoint: lax.url, region: 'eu-west-1', credentials: unknownKey, maxAttempts: 1 });
      await expect(ec2.send(new DescribeInstancesCommand({}))).resolves.toBeDefined();
      ec2.destroy();
    } finally {
      await lax.close();
    }
  });
});

test('clients built with no endpoint option reach the stand-in through AWS_ENDPOINT_URL', async () => {
  const keys = ['AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'] as const;
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  try {
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    Object.assign(process.env, aws.env());
    const ec2 = new EC2Client({ maxAttempts: 1 });
    const iam = new IAMClient({ maxAttempts: 1 });
    const s3 = new S3Client({ maxAttempts: 1 });
    try {
      await ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, ImageId: 'ami-0123456789abcdef0', TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Via', Value: 'env' }] }] }));
      const out = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Via', Values: ['env'] }] }));
      expect(out.Reservations?.flatMap((r) => r.Instances ?? [])).toHaveLength(1);
      await expect(iam.send(new GetRoleCommand({ RoleName: 'env-role' }))).rejects.toBeInstanceOf(NoSuchEntityException);
      await s3.send(new PutObjectCommand({ Bucket: 'env-bucket', Key: 'k', Body: 'v' }));
      expect(aws.state.objects.get('env-bucket/k')?.body.toString()).toBe('v');
    } finally {
      ec2.destroy();
      iam.destroy();
      s3.destroy();
    }
  } finally {
    for (const k of keys) {
      const v = saved[k];
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});
