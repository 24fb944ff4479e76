import { request } from 'node:http';
import { AwsClient } from 'aws4fetch';
import { startPreview, type Preview } from '../../scripts/preview/server';
import { STATUS } from '../../scripts/preview/site';
import type { VmApiHandler } from '../../infra-cdk/lambda/vm-api/router';
import { startFunctionUrl, type FunctionUrlServer } from '../../local/function-url';

/**
 * Issue 11 item 14. The preview (`npm start`) drives the local databases and the simulated AWS:
 * a page on another site must not be able to drive it (a form POST, or a fetch through a
 * rebinding DNS name). And the function-URL stand-in must refuse a signature dated more than
 * 5 minutes off, as AWS does, so a captured request cannot be replayed later.
 */

process.env.DEV_VM_SILENT_LOGS = '1';

/** A raw request: fetch() would not let us set Host or a foreign Origin. */
function raw(url: string, method: string, headers: Record<string, string>, body = ''): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('preview server', () => {
  let preview: Preview;
  beforeAll(async () => {
    preview = await startPreview({ port: 0, pages: false, databases: false, transitionSeconds: 0, lambdaLogLevel: 'SILENT', dbSuffix: 'guard' });
  }, 120_000);
  afterAll(() => preview?.close());

  const host = () => new URL(preview.url).host;
  const transition = JSON.stringify({ to: STATUS.ready });
  const moved = () => preview.stack.forge.jira.issue('OPS-1').statusId === STATUS.ready;

  it('refuses a cross-site form POST (text/plain, foreign Origin) that would move the issue and provision', async () => {
    expect(await raw(`${preview.url}/__preview/transition`, 'POST', { host: host(), origin: 'https://evil.example', 'content-type': 'text/plain' }, transition)).toBe(403);
    expect(await raw(`${preview.url}/__preview/transition`, 'POST', { host: host(), 'content-type': 'application/x-www-form-urlencoded' }, transition)).toBe(415);
    expect(await raw(`${preview.url}/__invoke`, 'POST', { host: host(), origin: 'https://evil.example', 'content-type': 'application/json' }, JSON.stringify({ functionKey: 'panel.provision', payload: {} }))).toBe(403);
    expect(moved()).toBe(false);
  });

  it('refuses a request through another host name (DNS rebinding), even a GET of its state', async () => {
    expect(await raw(`${preview.url}/__preview/state`, 'GET', { host: `attacker.example:${new URL(preview.url).port}` })).toBe(403);
    expect(await raw(`${preview.url}/__preview/transition`, 'POST', { host: 'attacker.example', 'content-type': 'application/json' }, transition)).toBe(403);
    expect(moved()).toBe(false);
  });

  it('still serves its own page: same-origin JSON POSTs and GETs work', async () => {
    expect(await raw(`${preview.url}/__preview/state`, 'GET', { host: host() })).toBe(200);
    expect(await raw(`${preview.url}/__preview/viewer`, 'POST', { host: host(), origin: preview.url, 'content-type': 'application/json; charset=utf-8' }, JSON.stringify({ as: 'developer' }))).toBe(200);
  });
});

describe('function URL stand-in', () => {
  let fn: FunctionUrlServer;
  const handler: VmApiHandler = async () => ({ statusCode: 200, body: '{"ok":true}' });
  beforeAll(async () => {
    fn = await startFunctionUrl({ handler, region: 'eu-west-1', credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } });
  });
  afterAll(() => fn?.close());

  it.each([
    ['6 minutes behind', -6 * 60_000, 403],
    ['6 minutes ahead', 6 * 60_000, 403],
    ['4 minutes behind', -4 * 60_000, 200],
  ])('answers a request signed %s (skew %i ms) with HTTP %i', async (_what, skewMs, status) => {
    const aws = new AwsClient({ ...fn.credentials, service: 'lambda', region: fn.region, retries: 0 });
    const signed = await aws.sign(`${fn.url}health`, { method: 'GET', aws: { datetime: new Date(Date.now() + skewMs).toISOString().replace(/[:-]|\.\d{3}/g, '') } });
    const res = await fetch(signed);
    expect(res.status).toBe(status);
  });
});
