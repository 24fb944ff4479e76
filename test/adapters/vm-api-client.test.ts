import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VmApiClient, VmApiError } from '../../src/adapters/vm-api-client';
import type { ProvisionRequest } from '../../src/contract/vm-api';
import { startVmApiStandIn, verifySigV4, type VmApiStandIn } from '../../local/vm-api-server';

/**
 * The app's SigV4 signing (aws4fetch) checked by an independent implementation
 * (@smithy/signature-v4) on a local HTTP server, over method, path, query, signed headers and
 * the body hash, plus the client's handling of failures.
 */

let api: VmApiStandIn;
beforeAll(async () => {
  api = await startVmApiStandIn({ region: 'eu-west-1' });
});
afterAll(() => api.close());
beforeEach(() => api.reset());

const client = (over: Partial<{ secretAccessKey: string; region: string; accessKeyId: string }> = {}, fetchImpl?: (r: Request) => Promise<Response>, timeoutMs?: number) =>
  new VmApiClient({ apiUrl: api.url, region: over.region ?? api.region, accessKeyId: over.accessKeyId ?? api.credentials.accessKeyId, secretAccessKey: over.secretAccessKey ?? api.credentials.secretAccessKey }, fetchImpl, timeoutMs);

const request: ProvisionRequest = {
  issueKey: 'OPS-7',
  client: 'acme',
  developer: 'jdoe',
  instanceType: 't3.large',
  os: 'al2023',
  schedule: { start: '08:00', stop: '18:00', timezone: 'UTC', days: 'MON-FRI', enabled: true },
  idempotencyKey: 'jira:10007:cl1',
};

describe('SigV4 signatures verified independently', () => {
  it('a POST with a JSON body verifies: method, path, signed host/date/content hash, body hash', async () => {
    const vm = await client().call('provision', { body: request });
    expect(vm.issueKey).toBe('OPS-7');
    expect(api.verified).toHaveLength(1);
    const v = api.verified[0];
    expect(v).toMatchObject({ method: 'POST', path: '/vms', query: '' });
    expect(v?.signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'x-amz-content-sha256']));
    expect(v?.bodySha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a GET with a query string verifies (query is part of the canonical request)', async () => {
    const list = await client().call('listVms', { query: { issueKey: 'OPS-7' } });
    expect(list.vms).toEqual([]);
    expect(api.verified[0]).toMatchObject({ method: 'GET', path: '/vms', query: '?issueKey=OPS-7' });
  });

  it('a wrong secret is refused with a 403 the client names as a signature problem', async () => {
    const err = await client({ secretAccessKey: 'y'.repeat(40) }).call('health').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VmApiError);
    expect(err).toMatchObject({ kind: 'signature', status: 403, retryable: false });
    expect(api.calls.map((c) => c.signature)).toEqual(['invalid']);
  });

  it('a wrong region is refused (the scope is signed)', async () => {
    const err = await client({ region: 'us-east-1' }).call('health').catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'signature' });
  });

  it('a body changed after signing is refused', async () => {
    const tamper = async (r: Request) => {
      const body = (await r.text()).replace('"t3.large"', '"t3.xlarge"');
      return fetch(r.url, { method: r.method, headers: r.headers, body });
    };
    const err = await client({}, tamper).call('provision', { body: request }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'signature', status: 403 });
    expect(api.vms.size).toBe(0);
  });

  it('a path changed after signing is refused', async () => {
    const redirect = async (r: Request) => fetch(r.url.replace('/vms', '/vms/'), { method: r.method, headers: r.headers, body: await r.text() });
    const err = await client({}, redirect).call('provision', { body: request }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'signature' });
  });

  it('the verifier itself rejects a forged signature and a body that does not match its hash', async () => {
    const base = { method: 'GET', host: 'h', path: '/health', query: new URLSearchParams(), body: '' };
    const forged = await verifySigV4({ ...base, headers: { authorization: `AWS4-HMAC-SHA256 Credential=${api.credentials.accessKeyId}/20261126/eu-west-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`, 'x-amz-date': '20261126T090000Z' } }, api.credentials, 'eu-west-1', 'lambda', new Date('2026-11-26T09:01:00Z'));
    expect(forged).toEqual({ ok: false, reason: 'signature mismatch' });
    const badHash = await verifySigV4({ ...base, body: 'x', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=host, Signature=' + '0'.repeat(64), 'x-amz-content-sha256': '0'.repeat(64) } }, { ...api.credentials, accessKeyId: 'a' }, 'c', 'd');
    expect(badHash).toEqual({ ok: false, reason: 'body does not match x-amz-content-sha256' });
  });
});

describe('contract checks and failures', () => {
  it('refuses to send a request the contract rejects, naming the field', async () => {
    const err = await client().call('provision', { body: { ...request, developer: 'J Doe' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'rejected' });
    expect((err as Error).message).toContain('developer');
    expect(api.calls).toHaveLength(0);
  });

  it('reports a 503 as retryable with the API’s message', async () => {
    api.mode = 'down';
    const err = await client().call('health').catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'http', status: 503, retryable: true, message: 'EC2 is unavailable' });
  });

  it('times out instead of hanging the handler', async () => {
    api.mode = 'hang';
    const err = await client({}, undefined, 200).call('health').catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'timeout', retryable: true });
  });

  it('names an unknown host as a DNS problem', async () => {
    const c = new VmApiClient({ apiUrl: 'https://abc.lambda-url.eu-west-1.on.aws/', region: 'eu-west-1', accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x'.repeat(40) }, async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } });
    });
    await expect(c.call('health')).rejects.toMatchObject({ kind: 'dns' });
  });

  it('reports a response that breaks the contract as bad-response', async () => {
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, version: 1 }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const c = new VmApiClient({ apiUrl: url, region: 'eu-west-1', accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x'.repeat(40) });
    await expect(c.call('health')).rejects.toMatchObject({ kind: 'bad-response' });
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('reports a 404 from the URL itself as a wrong API URL', async () => {
    const server: Server = createServer((_req, res) => {
      res.writeHead(404);
      res.end('not here');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const c = new VmApiClient({ apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, region: 'eu-west-1', accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x'.repeat(40) });
    await expect(c.call('health')).rejects.toMatchObject({ kind: 'not-found', status: 404 });
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
});
