import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeAccessPointsCommand } from '@aws-sdk/client-efs';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { createEc2Client, createEfsClient, createIamClient, RETRY_CONFIG } from '../../../infra-cdk/lambda/shared/clients';
import { startAwsStandIn, type AwsStandIn } from '../../../local/aws';

/**
 * The SDK clients as the Lambdas build them, against the wire-protocol AWS stand-in: the endpoint
 * comes from AWS_ENDPOINT_URL only (nothing hard-coded), and throttling is retried by the SDK.
 */

let aws: AwsStandIn;
const saved = { ...process.env };

beforeAll(async () => {
  aws = await startAwsStandIn({ transitionSeconds: 0 });
});
afterAll(async () => {
  await aws.close();
});
beforeEach(() => {
  Object.assign(process.env, aws.env());
});
afterEach(() => {
  aws.clearFaults();
  for (const k of Object.keys(aws.env())) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('AWS clients', () => {
  it('send every service to AWS_ENDPOINT_URL, taken from the environment by the SDK itself', async () => {
    const before = aws.state.calls.length;
    const ec2 = await createEc2Client();
    const efs = await createEfsClient();
    const iam = await createIamClient();
    await ec2.send(new DescribeInstancesCommand({}));
    await efs.send(new DescribeAccessPointsCommand({}));
    await expect(iam.send(new GetRoleCommand({ RoleName: 'nobody' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    const served = aws.state.calls.slice(before).map((c) => `${c.service}:${c.operation}`);
    expect(served).toEqual(['ec2:DescribeInstances', 'elasticfilesystem:DescribeAccessPoints', 'iam:GetRole']);
    // The resolved configuration carries no endpoint of ours: the SDK resolved it from the env.
    expect(ec2.config.endpoint).toBeUndefined();
  });

  it('resolve to the real regional endpoint when AWS_ENDPOINT_URL is absent', async () => {
    delete process.env.AWS_ENDPOINT_URL;
    const ec2 = await createEc2Client({ region: 'eu-west-1' });
    const seen: string[] = [];
    ec2.middlewareStack.add(
      (_next) => async (args) => {
        const req = args.request as { hostname?: string };
        seen.push(req.hostname ?? '');
        throw new Error('stop before the network');
      },
      { step: 'finalizeRequest', name: 'captureHost' },
    );
    await expect(ec2.send(new DescribeInstancesCommand({}))).rejects.toThrow('stop before the network');
    expect(seen).toEqual(['ec2.eu-west-1.amazonaws.com']);
  });

  it('use adaptive retries with 5 attempts', async () => {
    const ec2 = await createEc2Client();
    expect(RETRY_CONFIG).toEqual({ retryMode: 'adaptive', maxAttempts: 5 });
    expect(await ec2.config.maxAttempts()).toBe(5);
    expect((await ec2.config.retryStrategy()) as unknown).toMatchObject({ mode: 'adaptive' });
  });

  it('retry a throttled call inside the SDK until it succeeds', async () => {
    aws.injectFault({ kind: 'throttle', calls: 2, service: 'ec2', operation: 'DescribeInstances' });
    const before = aws.state.calls.length;
    const res = await (await createEc2Client()).send(new DescribeInstancesCommand({}));
    expect(res.$metadata.httpStatusCode).toBe(200);
    expect(res.$metadata.attempts).toBe(3);
    const served = aws.state.calls.slice(before);
    expect(served.map((c) => c.errorCode ?? 'ok')).toEqual(['RequestLimitExceeded', 'RequestLimitExceeded', 'ok']);
  });

  it('retry throttled IAM and EFS calls too', async () => {
    aws.injectFault({ kind: 'throttle', calls: 1, service: 'iam' });
    aws.injectFault({ kind: 'throttle', calls: 1, service: 'elasticfilesystem' });
    await expect((await createIamClient()).send(new GetRoleCommand({ RoleName: 'nobody' }))).rejects.toMatchObject({ name: 'NoSuchEntityException', $metadata: { attempts: 2 } });
    expect((await (await createEfsClient()).send(new DescribeAccessPointsCommand({}))).$metadata.attempts).toBe(2);
  });
});
