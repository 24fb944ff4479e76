import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { AwsClient } from 'aws4fetch';
import { startFunctionUrl, type FunctionUrlServer } from '../../local/function-url';

/**
 * The function URL stand-in the preview and the end-to-end test put in front of the VM API:
 * AWS_IAM auth (SigV4 for service `lambda`, verified independently), AWS's 403 bodies, and the
 * payload-format-2.0 event the handler receives.
 */

const credentials = { accessKeyId: 'AKIA' + randomBytes(8).toString('hex').toUpperCase().slice(0, 16), secretAccessKey: randomBytes(30).toString('base64') };
const region = 'eu-west-1';
let server: FunctionUrlServer;
let seen: APIGatewayProxyEventV2[];
let fail = false;

beforeAll(async () => {
  server = await startFunctionUrl({
    region,
    credentials,
    handler: async (event) => {
      seen.push(event);
      if (fail) throw new Error('boom');
      return { statusCode: 201, headers: { 'content-type': 'application/json', 'x-answer': '42' }, body: JSON.stringify({ ok: true }) };
    },
  });
});
afterAll(() => server.close());
beforeEach(() => {
  seen = [];
  fail = false;
});

const signer = (c = credentials, service = 'lambda') => new AwsClient({ ...c, service, region, retries: 0 });

describe('function URL with AWS_IAM auth', () => {
  it('passes a signed request to the handler as a payload 2.0 event and returns its result', async () => {
    const res = await signer().fetch(`${server.url}vms?issueKey=OPS-1&x=a&x=b`, { method: 'POST', headers: { 'content-type': 'application/json', 'X-Custom': 'Yes' }, body: '{"a":1}' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-answer')).toBe('42');
    expect(await res.json()).toEqual({ ok: true });
    const e = seen[0] as APIGatewayProxyEventV2;
    expect(e).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/vms',
      rawQueryString: 'issueKey=OPS-1&x=a&x=b',
      queryStringParameters: { issueKey: 'OPS-1', x: 'a,b' },
      body: '{"a":1}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/vms', sourceIp: '127.0.0.1' }, routeKey: '$default', stage: '$default' },
    });
    expect(e.headers['x-custom']).toBe('Yes');
    expect(e.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIA/);
    expect(server.calls.at(-1)).toEqual({ method: 'POST', path: '/vms', status: 201, auth: 'valid' });
  });

  it('base64-encodes a binary body', async () => {
    await signer().fetch(`${server.url}blob`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array([0, 1, 2, 255]) });
    expect(seen[0]).toMatchObject({ body: Buffer.from([0, 1, 2, 255]).toString('base64'), isBase64Encoded: true });
  });

  it('refuses before the handler: unsigned, unknown key, wrong secret, wrong service, tampered body', async () => {
    const unsigned = await fetch(`${server.url}health`);
    expect([unsigned.status, await unsigned.json()]).toEqual([403, { Message: 'Forbidden' }]);

    const unknown = await signer({ accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: credentials.secretAccessKey }).fetch(`${server.url}health`);
    expect([unknown.status, await unknown.json()]).toEqual([403, { message: 'The security token included in the request is invalid.' }]);

    const wrongSecret = await signer({ ...credentials, secretAccessKey: 'x'.repeat(40) }).fetch(`${server.url}health`);
    expect(wrongSecret.status).toBe(403);
    expect(((await wrongSecret.json()) as { message: string }).message).toMatch(/^The request signature we calculated does not match/);

    const wrongService = await signer(credentials, 'execute-api').fetch(`${server.url}health`);
    expect(wrongService.status).toBe(403);

    const signed = await signer().sign(`${server.url}vms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    const tampered = await fetch(signed.url, { method: 'POST', headers: signed.headers, body: '{"a":2}' });
    expect(tampered.status).toBe(403);

    expect(seen).toEqual([]);
    expect(server.calls.slice(-5).map((c) => c.status)).toEqual([403, 403, 403, 403, 403]);
  });

  it('answers 502 when the function throws', async () => {
    fail = true;
    const res = await signer().fetch(`${server.url}health`);
    expect([res.status, await res.json()]).toEqual([502, { Message: 'Internal Server Error' }]);
  });
});
