import { createHmac } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';

/** The Lambda entry point with its real SSM / Secrets Manager clients (mocked) and global fetch. */
describe('notifier handler wiring', () => {
  const ssm = mockClient(SSMClient);
  const sm = mockClient(SecretsManagerClient);
  const saved = { ...process.env };
  afterAll(() => {
    ssm.restore();
    sm.restore();
    process.env = saved;
  });

  it('reads the URL parameter and secret named by its environment and posts a signed event', async () => {
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'x',
      MANAGED_BY: 'dev-vm-for-jira',
      SECRET_PREFIX: 'dev-vm/',
      EVENT_BUS_NAME: 'dev-vm-bus',
      STATE_BUCKET: 'state-bucket',
      HMAC_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dev-vm/webtrigger-hmac',
      WEBTRIGGER_URL_PARAMETER: '/dev-vm/webtrigger-url',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    ssm.on(GetParameterCommand, { Name: '/dev-vm/webtrigger-url' }).resolves({ Parameter: { Value: 'https://example.invalid/hook' } });
    sm.on(GetSecretValueCommand, { SecretId: process.env.HMAC_SECRET_ARN }).resolves({ SecretString: 'wiring-secret' });
    const calls: { url: string; init: RequestInit }[] = [];
    const timeouts = jest.spyOn(AbortSignal, 'timeout');
    const fetchSpy = jest.spyOn(global, 'fetch').mockImplementation(async (url, init) => {
      calls.push({ url: String(url), init: init ?? {} });
      return new Response(null, { status: 200 });
    });
    try {
      const { handler } = await import('../../../infra-cdk/lambda/notifier/handler');
      const detail = {
        id: '0b0e7c1e-3a52-4c0e-8d6b-7f5f1f8a9c21',
        type: 'vm.idle-warning',
        time: '2026-11-26T12:00:00.000Z',
        instanceId: 'i-0123456789abcdef0',
        issueKey: 'OPS-1',
        client: 'acme',
        developer: 'jdoe',
        cause: 'idle-reaper',
        terminateAt: '2026-11-29T12:00:00.000Z',
      };
      await expect(handler({ source: 'dev-vm-for-jira', 'detail-type': 'vm.idle-warning', detail })).resolves.toMatchObject({ delivered: true, status: 200 });
      expect(calls).toHaveLength(1);
      const headers = calls[0]!.init.headers as Record<string, string>;
      const body = String(calls[0]!.init.body);
      expect(headers['x-devvm-signature']).toBe(`v1=${createHmac('sha256', 'wiring-secret').update(`${headers['x-devvm-timestamp']}.${body}`).digest('hex')}`);
      // Issue 12 item 10: the delivery waits longer than a web trigger may run (55 s), so a slow
      // but successful delivery is not retried, and the function's timeout leaves room for it.
      const waited = timeouts.mock.calls.map(([ms]) => ms);
      expect(waited).toHaveLength(1);
      expect(waited[0]).toBeGreaterThan(55_000);
      const { NOTIFIER_FUNCTION_TIMEOUT_SECONDS } = await import('../../../infra-cdk/lambda/notifier/deliver');
      expect(NOTIFIER_FUNCTION_TIMEOUT_SECONDS * 1000).toBeGreaterThanOrEqual((waited[0] as number) + 15_000);
    } finally {
      fetchSpy.mockRestore();
      timeouts.mockRestore();
    }
  });
});
