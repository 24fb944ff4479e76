import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StandInClock } from './clock';
import type { ServiceContext } from './context';
import { advanceInstances, ec2Operation, handleEc2, seedInstances, settleInstances, type SeedInstancesOptions } from './ec2';
import { efsOperation, handleEfs } from './efs';
import { handleEventBridge } from './eventbridge';
import { FaultBook, type Fault, type FaultHandle } from './faults';
import { handleIam, iamOperation } from './iam';
import {
  AWS_SERVICES,
  AwsError,
  header,
  RawFailure,
  PROTOCOL_OF,
  renderError,
  type AwsService,
  type StandInRequest,
  type StandInResponse,
} from './protocol';
import { handleS3, s3Operation } from './s3';
import { handleSecretsManager, targetOperation } from './secrets-manager';
import { parseAuthorization, STAND_IN_CREDENTIALS, verifySignature, type StandInCredentials } from './sigv4';
import { toSnapshot, type AwsSnapshot } from './snapshot';
import { handleSsm } from './ssm';
import { handleCloudWatch } from './cloudwatch';
import { createState, requestId, type AwsState } from './state';

/**
 * "Simulated AWS": one HTTP server on 127.0.0.1 that speaks the wire protocols of EC2, EFS, IAM,
 * Secrets Manager, S3, EventBridge and SSM, so the project's unmodified SDK v3 clients reach it
 * through `AWS_ENDPOINT_URL` as they would reach LocalStack or moto. The service of each request is
 * read from its SigV4 credential scope.
 */

export interface AwsStandInOptions {
  /** Base clock in epoch ms (default Date.now); `advance()` moves the stand-in's time past it. */
  readonly clock?: () => number;
  /** Seconds pending/stopping/shutting-down last (default 3; 0 in tests: settled at the next request). */
  readonly transitionSeconds?: number;
  /** Credential signatures are verified against (default STAND_IN_CREDENTIALS); 'any' checks only that requests are signed. */
  readonly credentials?: StandInCredentials | 'any';
  readonly region?: string;
  readonly accountId?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  /** When true, S3 buckets and EFS file systems must be listed here; otherwise they spring into being on first use. */
  readonly strictResources?: boolean;
  /** When true, what moto 5 lacks fails as in moto (DescribeInstances' `client-token` filter). */
  readonly motoCompatible?: boolean;
  readonly buckets?: readonly string[];
  readonly fileSystems?: readonly string[];
}

export interface AwsStandIn {
  /** `http://127.0.0.1:<port>`: the value for AWS_ENDPOINT_URL or a client's `endpoint`. */
  readonly url: string;
  readonly port: number;
  readonly region: string;
  /** Credentials clients must sign with (the verified one, or a placeholder when any is accepted). */
  readonly credentials: StandInCredentials;
  /** Live state; tests may read it and seed it. */
  readonly state: AwsState;
  readonly clock: StandInClock;
  /** Moves the stand-in clock forward and applies the state transitions that became due. */
  advance(ms: number): void;
  /** Completes every in-flight state transition now. */
  settle(): void;
  /** Adds settled instances directly (no API calls, not counted in `state.calls`); returns their ids. */
  seedInstances(options: SeedInstancesOptions): string[];
  injectFault(fault: Fault): FaultHandle;
  clearFaults(): void;
  /** Plain JSON view for the preview page; secret values are never included. */
  snapshot(): AwsSnapshot;
  /** Environment for an SDK client process: endpoint, region and the signing credential. */
  env(): Record<'AWS_ENDPOINT_URL' | 'AWS_REGION' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY', string>;
  /** The same, as SDK client configuration. */
  clientConfig(): { endpoint: string; region: string; credentials: StandInCredentials };
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** GET here returns `snapshot()` as JSON without signing. */
export const SNAPSHOT_PATH = '/_stand-in/snapshot';

type Handler = (req: StandInRequest, ctx: ServiceContext) => StandInResponse;
const SERVICES: Readonly<Record<AwsService, { readonly operation: (req: StandInRequest) => string; readonly handle: Handler }>> = {
  ec2: { operation: ec2Operation, handle: handleEc2 },
  iam: { operation: iamOperation, handle: handleIam },
  elasticfilesystem: { operation: efsOperation, handle: handleEfs },
  secretsmanager: { operation: targetOperation, handle: handleSecretsManager },
  events: { operation: targetOperation, handle: handleEventBridge },
  ssm: { operation: targetOperation, handle: handleSsm },
  monitoring: { operation: targetOperation, handle: handleCloudWatch },
  s3: { operation: s3Operation, handle: handleS3 },
};

function isService(s: string): s is AwsService {
  return (AWS_SERVICES as readonly string[]).includes(s);
}

/** Which service a request is for: the signing scope when present, else the protocol's fingerprints (only to word the auth error). */
function serviceOf(req: StandInRequest): AwsService | undefined {
  const scope = parseAuthorization(header(req.headers, 'authorization'))?.service;
  if (scope !== undefined) return isService(scope) ? scope : undefined;
  const target = header(req.headers, 'x-amz-target') ?? '';
  if (target.startsWith('secretsmanager.')) return 'secretsmanager';
  if (target.startsWith('AWSEvents.')) return 'events';
  if (target.startsWith('AmazonSSM.')) return 'ssm';
  if (target.startsWith('GraniteServiceVersion20100801.')) return 'monitoring';
  if (req.rawPath.startsWith('/2015-02-01/')) return 'elasticfilesystem';
  const body = req.body.toString('utf8');
  if (/(^|&)Version=2016-11-15(&|$)/.test(body)) return 'ec2';
  if (/(^|&)Version=2010-05-08(&|$)/.test(body)) return 'iam';
  return 's3';
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY_BYTES) throw new AwsError('RequestEntityTooLarge', 'Request body too large for the stand-in', 413);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export async function startAwsStandIn(options: AwsStandInOptions = {}): Promise<AwsStandIn> {
  const transitionSeconds = options.transitionSeconds ?? 3;
  if (!(transitionSeconds >= 0)) throw new RangeError('transitionSeconds must be >= 0');
  const region = options.region ?? 'eu-west-1';
  const clock = new StandInClock(options.clock);
  const state = createState(region, options.accountId ?? '123456789012');
  for (const b of options.buckets ?? []) state.buckets.add(b);
  for (const f of options.fileSystems ?? []) state.fileSystems.add(f);
  const faults = new FaultBook();
  const verifyWith = options.credentials === 'any' ? undefined : (options.credentials ?? STAND_IN_CREDENTIALS);
  const ctx: ServiceContext = { state, clock, faults, transitionMs: transitionSeconds * 1000, strictResources: options.strictResources ?? false, motoCompatible: options.motoCompatible ?? false };

  async function serve(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(raw.url ?? '/', 'http://stand-in');
    // Unsigned read-only view for a preview in another process; `_` cannot start a bucket name.
    if (raw.method === 'GET' && url.pathname === SNAPSHOT_PATH) {
      advanceInstances(state, clock.now());
      send(res, { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(toSnapshot(state, clock.now())) });
      return;
    }
    const id = requestId();
    let service: AwsService | undefined;
    let operation = '';
    let response: StandInResponse;
    let req: StandInRequest | undefined;
    try {
      req = { method: raw.method ?? 'GET', rawPath: url.pathname, query: url.searchParams, headers: raw.headers, body: await readBody(raw), requestId: id };
      service = serviceOf(req);
      if (!service) {
        const scope = parseAuthorization(header(raw.headers, 'authorization'))?.service ?? '?';
        throw new AwsError('UnknownService', `The stand-in does not simulate the '${scope}' service.`, 400);
      }
      operation = SERVICES[service].operation(req);
      await verifySignature(req, service, verifyWith);
      const fault = faults.takeCallFault(service, operation);
      if (fault) throw fault;
      response = SERVICES[service].handle(req, ctx);
    } catch (e) {
      if (e instanceof RawFailure) {
        if (service) state.calls.push({ at: clock.now(), service, operation, status: e.response.status, errorCode: 'RawFailure' });
        send(res, e.response);
        return;
      }
      const err = e instanceof AwsError ? e : new AwsError('InternalFailure', `stand-in failure: ${e instanceof Error ? e.message : String(e)}`, 500);
      if (!(e instanceof AwsError)) console.error('[aws stand-in]', e);
      response = renderError(PROTOCOL_OF[service ?? 's3'], err, id, req?.method ?? raw.method ?? 'GET');
      if (service) state.calls.push({ at: clock.now(), service, operation, status: response.status, errorCode: err.code });
      send(res, response);
      return;
    }
    state.calls.push({ at: clock.now(), service, operation, status: response.status });
    send(res, response);
  }

  function send(res: ServerResponse, r: StandInResponse): void {
    const body = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : r.body;
    // Wall-clock Date on purpose: the SDK corrects its signing clock from this header, and the
    // simulated clock may be days ahead in a scheduler test.
    res.writeHead(r.status, { ...r.headers, 'content-length': r.headers['content-length'] ?? String(body.length), date: new Date().toUTCString() });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }

  const server = http.createServer((req, res) => {
    serve(req, res).catch((e: unknown) => {
      console.error('[aws stand-in] unhandled', e);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const credentials = verifyWith ?? STAND_IN_CREDENTIALS;

  return {
    url,
    port,
    region,
    credentials,
    state,
    clock,
    advance(ms) {
      clock.advance(ms);
      advanceInstances(state, clock.now());
    },
    settle() {
      settleInstances(state, clock.now());
    },
    seedInstances: (o) => seedInstances(state, clock.now(), o),
    injectFault: (f) => faults.add(f),
    clearFaults: () => faults.clearAll(),
    snapshot() {
      advanceInstances(state, clock.now());
      return toSnapshot(state, clock.now());
    },
    env: () => ({ AWS_ENDPOINT_URL: url, AWS_REGION: region, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey }),
    clientConfig: () => ({ endpoint: url, region, credentials }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
