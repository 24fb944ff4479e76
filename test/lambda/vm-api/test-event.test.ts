import type { PutObjectRequest } from '@aws-sdk/client-s3';
import type { ConnectionTestEvent } from '../../../src/contract/events';
import { TestDelivery } from '../../../src/contract/vm-api';
import { createHandler } from '../../../infra-cdk/lambda/vm-api/router';
import { TEST_EVENT_POLL_MS, TEST_EVENT_WAIT_MS } from '../../../infra-cdk/lambda/vm-api/test-event';
import { s3TestDeliveryStore } from '../../../infra-cdk/lambda/shared/test-delivery';
import type { TestEventChannel } from '../../../infra-cdk/lambda/vm-api/deps';
import { VmApiAws } from './stand-in';
import { event, FakeDatabases, NOW } from './support';

/** POST /test-event: the connection test's round trip, as the VM API takes part in it. */

const NONCE = 'n0nce-0123456789abcdefABCDEF';

function channel(reports: (TestDelivery | undefined)[]): TestEventChannel & { published: ConnectionTestEvent[]; reads: number } {
  const c = {
    published: [] as ConnectionTestEvent[],
    reads: 0,
    publish: async (e: ConnectionTestEvent) => void c.published.push(e),
    outcome: async () => reports[Math.min(c.reads++, reports.length - 1)],
  };
  return c;
}

let aws: VmApiAws;
beforeEach(async () => {
  aws = await VmApiAws.start();
});
afterEach(() => aws.close());

async function post(testEvents: TestEventChannel | undefined, body: unknown = { nonce: NONCE }) {
  const deps = aws.deps(new FakeDatabases(), testEvents ? { testEvents } : {});
  const res = await createHandler(deps)(event('POST', '/test-event', { body }));
  return { status: res.statusCode, body: JSON.parse(res.body ?? 'null') as unknown, sleeps: deps.sleeps };
}

describe('POST /test-event', () => {
  it('puts the test event with the app’s nonce on the bus and answers what the notifier reported', async () => {
    const c = channel([undefined, undefined, { state: 'answered', status: 404, at: NOW.toISOString() }]);
    const res = await post(c);
    expect(res).toMatchObject({ status: 200, body: { state: 'answered', status: 404, at: NOW.toISOString() } });
    expect(c.published).toEqual([{ id: expect.stringMatching(/^[0-9a-f-]{36}$/), type: 'connection.test', time: NOW.toISOString(), nonce: NONCE }]);
    expect(res.sleeps).toEqual([TEST_EVENT_POLL_MS, TEST_EVENT_POLL_MS]);
  });

  it('answers pending after its bounded wait when the notifier never reports', async () => {
    const res = await post(channel([undefined]));
    expect(res).toMatchObject({ status: 200, body: { state: 'pending' } });
    expect(res.sleeps.reduce((a, b) => a + b, 0)).toBe(TEST_EVENT_WAIT_MS);
  });

  it('refuses a nonce that is not one, before publishing anything', async () => {
    const c = channel([undefined]);
    const res = await post(c, { nonce: 'short' });
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', field: 'nonce' } } });
    expect(c.published).toEqual([]);
  });

  it('names a bus that refused the event as an upstream failure', async () => {
    const c = { ...channel([undefined]), publish: async () => Promise.reject(new Error('AccessDenied')) };
    expect(await post(c)).toMatchObject({ status: 502, body: { error: { code: 'UPSTREAM_FAILED' } } });
  });
});

describe('the notifier’s report in the state bucket', () => {
  const store = () => {
    const s3 = aws.s3Client();
    return s3TestDeliveryStore('dev-vm-state', async () => s3);
  };

  it('is written under connection-tests/<nonce>.json and read back', async () => {
    const outcome = { state: 'answered' as const, status: 200, at: NOW.toISOString() };
    await store().put(NONCE, outcome);
    expect(aws.inputs<PutObjectRequest>('PutObject')[0]).toMatchObject({ Bucket: 'dev-vm-state', Key: `connection-tests/${NONCE}.json`, Body: JSON.stringify(outcome) });
    expect(aws.aws.state.objects.get(`dev-vm-state/connection-tests/${NONCE}.json`)?.body.toString('utf8')).toBe(JSON.stringify(outcome));
    expect(await store().get(NONCE)).toEqual(outcome);
  });

  it('is undefined while the notifier has not written it', async () => {
    // The model answers NoSuchKey for an object nobody wrote.
    expect(await store().get(NONCE)).toBeUndefined();
    expect(aws.count('GetObject')).toBe(1);
  });
});
