import { createHmac } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { LifecycleEvent } from '../../../src/contract/events';
import { verifySignature } from '../../../src/domain/hmac';
import {
  deliver,
  InvalidLifecycleEventError,
  parameterDeps,
  usableUrl,
  WebtriggerDeliveryError,
  type FetchLike,
  type NotifierDeps,
} from '../../../infra-cdk/lambda/notifier/deliver';

const SECRET = 'k3y-shared-with-the-forge-admin-page-0123456789abcdef';
const URL_PARAM = '/dev-vm/webtrigger-url';
const NOW = new Date('2026-11-26T12:00:00Z');

const event: LifecycleEvent = {
  id: '6f1c2b9e-4f7a-4c1e-9a51-2d0f8e7b3c10',
  type: 'vm.stopped',
  time: '2026-11-26T11:59:58.000Z',
  instanceId: 'i-0123456789abcdef0',
  issueKey: 'OPS-42',
  client: 'acme',
  developer: 'jdoe',
  cause: 'schedule',
  reason: 'AutoStop 18:00 Europe/London (2026-11-26T18:00:00.000Z)',
};
const envelope = (detail: unknown) => ({ source: 'dev-vm-for-jira', 'detail-type': 'vm.stopped', id: 'eb-1', detail });

const ssm = mockClient(SSMClient);
const sm = mockClient(SecretsManagerClient);
let sent: { url: string; headers: Record<string, string>; body: string }[];
let status: number;
let logs: string[];
let recorded: { nonce: string; outcome: unknown }[];

function deps(over: Partial<NotifierDeps> = {}): NotifierDeps {
  const creds = { region: 'eu-west-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' } };
  // The real Powertools providers (their cache included) over mocked SDK clients.
  const params = parameterDeps(new SSMProvider({ clientConfig: creds }), new SecretsProvider({ clientConfig: creds }), {
    urlParameter: URL_PARAM,
    secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dev-vm/webtrigger-hmac',
  });
  const fetch: FetchLike = async (u, init) => {
    sent.push({ url: u, headers: init.headers, body: init.body });
    return { status, ok: status >= 200 && status < 300 };
  };
  return {
    ...params,
    fetch,
    lookupInstance: async () => undefined,
    log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
    timeoutMs: 1000,
    recordTestDelivery: async (nonce, outcome) => void recorded.push({ nonce, outcome }),
    ...over,
  };
}

beforeEach(() => {
  ssm.reset();
  sm.reset();
  sent = [];
  status = 204;
  logs = [];
  recorded = [];
  ssm.on(GetParameterCommand, { Name: URL_PARAM }).resolves({ Parameter: { Name: URL_PARAM, Value: 'https://example.invalid/x1/webtrigger-token' } });
  sm.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
});
afterAll(() => {
  ssm.restore();
  sm.restore();
});

describe('notifier', () => {
  it('POSTs the event with a signature that an independent HMAC-SHA256 computation reproduces', async () => {
    const r = await deliver(envelope(event), deps(), NOW);
    expect(r).toEqual({ delivered: true, status: 204, eventId: event.id });
    expect(sent).toHaveLength(1);
    const { headers, body, url } = sent[0]!;
    expect(url).toBe('https://example.invalid/x1/webtrigger-token');
    expect(JSON.parse(body)).toEqual(event);
    expect(headers['x-devvm-timestamp']).toBe(String(NOW.getTime() / 1000));
    const expected = createHmac('sha256', SECRET).update(`${headers['x-devvm-timestamp']}.${body}`).digest('hex');
    expect(headers['x-devvm-signature']).toBe(`v1=${expected}`);
    expect(verifySignature(SECRET, body, { timestamp: headers['x-devvm-timestamp'], signature: headers['x-devvm-signature'] }, NOW)).toEqual({ ok: true });
  });

  it.each([['the placeholder', 'not-configured'], ['an empty value', ' '], ['a plain http URL', 'http://example.com/hook']])(
    'logs and drops the event without error while the URL is %s',
    async (_name, value) => {
      ssm.on(GetParameterCommand).resolves({ Parameter: { Name: URL_PARAM, Value: value } });
      await expect(deliver(envelope(event), deps(), NOW)).resolves.toEqual({ delivered: false, reason: 'not-configured', eventId: event.id });
      expect(sent).toEqual([]);
      expect(logs).toContain('Lifecycle events URL not configured; event dropped');
    },
  );

  it('treats a missing SSM parameter as not configured', async () => {
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('not found'), { name: 'ParameterNotFound' }));
    await expect(deliver(envelope(event), deps(), NOW)).resolves.toMatchObject({ delivered: false });
  });

  it.each([500, 404, 429])('throws on a %i answer so EventBridge retries and finally dead-letters', async (code) => {
    status = code;
    const p = deliver(envelope(event), deps(), NOW);
    await expect(p).rejects.toBeInstanceOf(WebtriggerDeliveryError);
    await expect(p).rejects.toMatchObject({ status: code });
  });

  it('throws on a timeout, naming only the host (the URL is a credential)', async () => {
    const hang: FetchLike = (_u, init) =>
      new Promise((_resolve, reject) => init.signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'TimeoutError' }))));
    const p = deliver(envelope(event), deps({ fetch: hang, timeoutMs: 50 }), NOW);
    await expect(p).rejects.toThrow('no answer within 50 ms from example.invalid');
  });

  it('reads the secret once while cached, and again after the receiver rejects the signature', async () => {
    const d = deps();
    await deliver(envelope(event), d, NOW);
    await deliver(envelope(event), d, NOW);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    status = 401;
    await expect(deliver(envelope(event), d, NOW)).rejects.toBeInstanceOf(WebtriggerDeliveryError);
    status = 204;
    await deliver(envelope(event), d, NOW);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('reads the URL once a minute and the secret once every 15 minutes (Powertools Parameters maxAge)', async () => {
    // Only Date is faked (Powertools' cache reads `new Date()` and `Date.now()`); timers stay real.
    jest.useFakeTimers({
      doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'requestAnimationFrame', 'cancelAnimationFrame', 'requestIdleCallback', 'cancelIdleCallback', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
    });
    let now = Date.parse('2026-11-26T12:00:00Z');
    const clock = { mockRestore: () => jest.useRealTimers() };
    jest.setSystemTime(now);
    try {
      const d = deps();
      await deliver(envelope(event), d, NOW);
      jest.setSystemTime((now += 59_000));
      await deliver(envelope(event), d, NOW);
      expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
      jest.setSystemTime((now += 2_000));
      await deliver(envelope(event), d, NOW);
      expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
      expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
      jest.setSystemTime((now += 15 * 60_000));
      await deliver(envelope(event), d, NOW);
      expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    } finally {
      clock.mockRestore();
    }
  });

  it('rejects an event that does not match the contract, naming the field', async () => {
    const p = deliver(envelope({ ...event, instanceId: 'not-an-id' }), deps(), NOW);
    await expect(p).rejects.toBeInstanceOf(InvalidLifecycleEventError);
    await expect(p).rejects.toThrow(/instanceId/);
    expect(sent).toEqual([]);
  });

  it('rejects an event from another source', async () => {
    await expect(deliver({ ...envelope(event), source: 'aws.ec2' }, deps(), NOW)).rejects.toBeInstanceOf(InvalidLifecycleEventError);
  });
});

describe('connection test events', () => {
  const test = { id: '0b6b1f2e-8d3c-4c55-9b7e-5f1a2c3d4e5f', type: 'connection.test', time: NOW.toISOString(), nonce: 'n0nce-0123456789abcdefABCDEF' };
  const testEnvelope = { source: 'dev-vm-for-jira', 'detail-type': 'connection.test', id: 'eb-9', detail: test };

  it('signs and POSTs the test event like a lifecycle event, and records the status the URL answered', async () => {
    const r = await deliver(testEnvelope, deps(), NOW);
    expect(r).toEqual({ delivered: true, reason: 'connection-test', eventId: test.id, outcome: { state: 'answered', status: 204, at: NOW.toISOString() } });
    const { headers, body, url } = sent[0]!;
    expect(url).toBe('https://example.invalid/x1/webtrigger-token');
    expect(JSON.parse(body)).toEqual(test);
    expect(verifySignature(SECRET, body, { timestamp: headers['x-devvm-timestamp'], signature: headers['x-devvm-signature'] }, NOW)).toEqual({ ok: true });
    expect(recorded).toEqual([{ nonce: test.nonce, outcome: { state: 'answered', status: 204, at: NOW.toISOString() } }]);
  });

  it('records a 404 instead of throwing: a retry would come after the admin stopped waiting', async () => {
    status = 404;
    await expect(deliver(testEnvelope, deps(), NOW)).resolves.toMatchObject({ delivered: false, outcome: { state: 'answered', status: 404 } });
    expect(recorded).toEqual([{ nonce: test.nonce, outcome: { state: 'answered', status: 404, at: NOW.toISOString() } }]);
  });

  it('records "not configured" while the stack has no URL, and "unreachable" when nothing answers', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: URL_PARAM, Value: 'not-configured' } });
    await deliver(testEnvelope, deps(), NOW);
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: URL_PARAM, Value: 'https://example.invalid/x1/webtrigger-token' } });
    const refused: FetchLike = async () => {
      throw new TypeError('fetch failed');
    };
    await deliver(testEnvelope, deps({ fetch: refused }), NOW);
    expect(recorded.map((r) => r.outcome)).toEqual([
      { state: 'not-configured', at: NOW.toISOString() },
      { state: 'unreachable', detail: 'network', at: NOW.toISOString() },
    ]);
    expect(sent).toEqual([]);
  });

  it('refuses a test event whose nonce is not a nonce, recording nothing', async () => {
    await expect(deliver({ ...testEnvelope, detail: { ...test, nonce: 'short' } }, deps(), NOW)).rejects.toBeInstanceOf(InvalidLifecycleEventError);
    expect(recorded).toEqual([]);
  });
});

describe('Lifecycle events URL check', () => {
  it('accepts https and loopback http only', () => {
    expect(usableUrl('https://abc.hello.atlassian-dev.net/x1/abc')).toBe('https://abc.hello.atlassian-dev.net/x1/abc');
    expect(usableUrl('http://127.0.0.1:8080/hook')).toBe('http://127.0.0.1:8080/hook');
    expect(usableUrl('not-configured')).toBeUndefined();
    expect(usableUrl('ftp://example.com')).toBeUndefined();
    expect(usableUrl(undefined)).toBeUndefined();
  });
});
