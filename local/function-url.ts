import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { verifySigV4 } from './vm-api-server';

/**
 * Plays a Lambda function URL with AuthType AWS_IAM in front of a REAL handler: every request is
 * authenticated the way the URL service does it (SigV4, service `lambda`, the configured key
 * pair, checked by the independent @smithy/signature-v4 in verifySigV4), refused with AWS's 403
 * body when that fails, and otherwise turned into the payload-format-2.0 event the handler gets
 * in Lambda. The handler's structured result becomes the HTTP response. Serves on 127.0.0.1 only.
 */

export type FunctionUrlHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface FunctionUrlCall {
  method: string;
  path: string;
  status: number;
  /** `valid` when the signature verified; otherwise why the request was refused. */
  auth: 'valid' | string;
}

export interface FunctionUrlServer {
  /** `http://127.0.0.1:<port>/`: the value for the app's API URL setting. */
  url: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  calls: FunctionUrlCall[];
  close(): Promise<void>;
}

export interface FunctionUrlOptions {
  handler: FunctionUrlHandler;
  region: string;
  /** The one key pair allowed to invoke (in AWS: an IAM principal with lambda:InvokeFunctionUrl). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  accountId?: string;
  /** The IAM user that key belongs to; the event names it as AWS does (default: localForgeCallerArn(accountId)). */
  callerArn?: string;
  port?: number;
}

/** The IAM user the stand-in's key belongs to unless told otherwise (the stack's Forge user lives under /dev-vm/). */
export const localForgeCallerArn = (accountId = '123456789012'): string => `arn:aws:iam::${accountId}:user/dev-vm/forge-app`;

const MAX_BODY_BYTES = 6 * 1024 * 1024; // the synchronous invocation payload limit

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    const b = c as Buffer;
    size += b.length;
    if (size > MAX_BODY_BYTES) throw new RangeError('payload too large');
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded))/i;

/** The function URL event (payload format 2.0) for one HTTP request. */
export function toFunctionUrlEvent(
  req: { method: string; url: URL; headers: IncomingMessage['headers']; body: Buffer; sourceIp: string },
  ids: { accountId: string; domainName: string; now: Date; caller?: { accessKeyId: string; userArn: string } },
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  const cookies = headers.cookie ? headers.cookie.split(';').map((c) => c.trim()) : undefined;
  delete headers.cookie;
  const query: Record<string, string> = {};
  // Repeated parameters are joined with commas, as the function URL service does.
  for (const k of new Set(req.url.searchParams.keys())) query[k] = req.url.searchParams.getAll(k).join(',');
  const isText = req.body.length === 0 || TEXT_TYPES.test(headers['content-type'] ?? '');
  const domainPrefix = ids.domainName.split('.')[0] ?? ids.domainName;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: req.url.pathname,
    rawQueryString: req.url.search.replace(/^\?/, ''),
    ...(cookies ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: ids.accountId,
      apiId: domainPrefix,
      // With AWS_IAM auth the URL service names the verified signer here (AWS Lambda Developer
      // Guide, "Invoking Lambda function URLs", request payload:
      // https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads).
      ...(ids.caller
        ? {
            authorizer: {
              iam: {
                accessKey: ids.caller.accessKeyId,
                accountId: ids.accountId,
                callerId: `AIDA${ids.caller.accessKeyId.slice(4, 20)}`,
                cognitoIdentity: null,
                principalOrgId: null,
                userArn: ids.caller.userArn,
                userId: `AIDA${ids.caller.accessKeyId.slice(4, 20)}`,
              },
            },
          }
        : {}),
      domainName: ids.domainName,
      domainPrefix,
      http: { method: req.method, path: req.url.pathname, protocol: 'HTTP/1.1', sourceIp: req.sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: ids.now.toUTCString(),
      timeEpoch: ids.now.getTime(),
    },
    ...(req.body.length ? { body: isText ? req.body.toString('utf8') : req.body.toString('base64') } : {}),
    isBase64Encoded: !isText,
  };
}

function forbidden(res: ServerResponse, reason: string): void {
  // AWS's wording: an unsigned request gets `Forbidden`; a wrong key or signature the IAM messages.
  const body =
    reason === 'missing or malformed Authorization'
      ? { Message: 'Forbidden' }
      : reason === 'unknown access key'
        ? { message: 'The security token included in the request is invalid.' }
        : /^Signature (expired|not yet current)/.test(reason)
          ? { message: reason }
          : { message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' };
  const type = /^Signature (expired|not yet current)/.test(reason) ? 'InvalidSignatureException' : 'AccessDeniedException';
  res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': type, 'x-amzn-requestid': randomUUID() });
  res.end(JSON.stringify(body));
}

export async function startFunctionUrl(opts: FunctionUrlOptions): Promise<FunctionUrlServer> {
  const calls: FunctionUrlCall[] = [];
  const accountId = opts.accountId ?? '123456789012';

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://function-url');
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const check = await verifySigV4({ method, host: headers.host ?? '', path: url.pathname, query: url.searchParams, headers, body }, opts.credentials, opts.region, 'lambda');
    if (!check.ok) {
      calls.push({ method, path: url.pathname, status: 403, auth: check.reason });
      forbidden(res, check.reason);
      return;
    }
    const event = toFunctionUrlEvent({ method, url, headers: req.headers, body, sourceIp: req.socket.remoteAddress ?? '127.0.0.1' }, {
      accountId,
      domainName: headers.host ?? 'localhost',
      now: new Date(),
      caller: { accessKeyId: opts.credentials.accessKeyId, userArn: opts.callerArn ?? localForgeCallerArn(accountId) },
    });
    let result: APIGatewayProxyStructuredResultV2;
    try {
      result = await opts.handler(event);
    } catch (e) {
      // An unhandled error in the function: the URL answers 502 with Lambda's generic body.
      console.error('[function URL] handler threw', e instanceof Error ? e.name : e);
      calls.push({ method, path: url.pathname, status: 502, auth: 'valid' });
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ Message: 'Internal Server Error' }));
      return;
    }
    const status = result.statusCode ?? 200;
    const out = result.body === undefined ? Buffer.alloc(0) : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body, 'utf8');
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(result.headers ?? {})) outHeaders[k] = String(v);
    calls.push({ method, path: url.pathname, status, auth: 'valid' });
    res.writeHead(status, { ...outHeaders, 'content-length': String(out.length), 'x-amzn-requestid': event.requestContext.requestId });
    res.end(out);
  };

  const server: Server = createServer((req, res) => {
    serve(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(e instanceof RangeError ? 413 : 500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ Message: e instanceof RangeError ? 'Request must be smaller than 6291456 bytes for the InvokeFunction operation' : 'Internal Server Error' }));
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    region: opts.region,
    credentials: opts.credentials,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
