import { randomBytes } from 'node:crypto';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startPreview, type Preview } from '../../scripts/preview/server';
import { PEOPLE } from '../../scripts/preview/site';

/**
 * Test connection through the wiring `npm start` uses: admin resolver → signed POST /test-event →
 * function URL (SigV4 verified) → the REAL VM API handler → EventBridge → the REAL notifier (HMAC,
 * the stack's URL parameter and secret) → the preview's HTTP web trigger → onLifecycleEvent →
 * KVS; the notifier's report through S3 back to the API. Simulated AWS only (the preview delivers
 * the emulator's events on scheduler runs).
 */

let preview: Preview;
let ssm: SSMClient;
let sm: SecretsManagerClient;
const admin = { accountId: PEOPLE.admin.accountId };

beforeAll(async () => {
  process.env.DEV_VM_SILENT_LOGS = '1';
  preview = await startPreview({ port: 0, pages: false, databases: false, dbSuffix: `ct_${randomBytes(3).toString('hex')}`, transitionSeconds: 0, lambdaLogLevel: 'SILENT' });
  ssm = new SSMClient({});
  sm = new SecretsManagerClient({});
}, 120_000);
afterAll(async () => {
  ssm?.destroy();
  sm?.destroy();
  await preview?.close();
});

type Result = { ok: true; data: { ok: boolean; reason?: string; events?: { outcome: string; status?: number; message: string }; checklist?: { id: string; done: boolean }[] } };
const test = async () => (await preview.stack.invoke('admin.testConnection', {}, admin)) as Result;

describe('Test connection against the preview stack', () => {
  it('arrives and verifies when the stack has the app’s URL and secret, and the checklist says so', async () => {
    const r = await test();
    expect(r).toMatchObject({ ok: true, data: { ok: true, events: { outcome: 'verified' } } });
    expect(r.data.checklist?.find((c) => c.id === 'webtrigger')).toMatchObject({ done: true });
  }, 30_000);

  it('not arrived: the stack reports the 404 of a URL where no web trigger is deployed', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/dev-vm/webtrigger-url', Value: `${preview.url}/x1/not-deployed`, Type: 'String', Overwrite: true }));
    // The notifier caches the URL for a minute (Powertools maxAge), as on AWS: a fresh container.
    const r = await testAfterUrlCache();
    expect(r).toMatchObject({ ok: true, data: { ok: false, reason: 'events-not-arrived', events: { outcome: 'not-arrived', status: 404 } } });
  }, 30_000);

  it('wrong secret: the stack signs with a secret the app does not have', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/dev-vm/webtrigger-url', Value: `${preview.url}/x1/dev-vm-lifecycle-events`, Type: 'String', Overwrite: true }));
    await sm.send(new PutSecretValueCommand({ SecretId: 'dev-vm/webtrigger-hmac', SecretString: randomBytes(32).toString('hex') }));
    const r = await testAfterUrlCache();
    expect(r).toMatchObject({ ok: true, data: { ok: false, reason: 'events-wrong-secret', events: { outcome: 'wrong-secret' } } });
  }, 30_000);
});

/**
 * The notifier keeps the URL 60 s and the secret 15 min per warm container, as Powertools does
 * on AWS: each call moves the clock a further 16 minutes, past both.
 */
let skipped = 0;
async function testAfterUrlCache(): Promise<Result> {
  skipped += 16 * 60_000;
  const target = Date.now() + skipped;
  jest.useFakeTimers({ doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
  jest.setSystemTime(target);
  try {
    return await test();
  } finally {
    jest.useRealTimers();
  }
}
