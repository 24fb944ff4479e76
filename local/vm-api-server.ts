import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, validationError } from '../src/contract/errors';
import type { IdlePolicy } from '../src/contract/idle-policy';
import { clientDatabaseName } from '../src/contract/names';
import { developerClientDbSecretName, developerClientLoginName } from '../infra-cdk/lambda/shared/resource-names';
import { CONNECTION_TEST_TYPE, EVENT_SOURCE } from '../src/contract/events';
import { VmApi, matchRoute, selectOperation, type CostCenterUpdate, type LifecycleUpdate, type ProvisionRequest, type TestDelivery, type Vm, type VmApiOperation } from '../src/contract/vm-api';
import { deliver } from '../infra-cdk/lambda/notifier/deliver';

/**
 * A local stand-in for the VM API's Lambda function URL (AWS_IAM auth). It authenticates every
 * request the way AWS does, recomputing the SigV4 signature with an independent implementation
 * (@smithy/signature-v4) over method, path, query, the signed headers and the body hash, then
 * validates the request against the contract and answers with contract-valid VM records.
 * Provisioning is idempotent by key, like the real API. Serves on 127.0.0.1 only.
 */

export interface VmApiCall {
  op: VmApiOperation | null;
  method: string;
  path: string;
  status: number;
  body: unknown;
  signature: 'valid' | 'invalid' | 'missing';
}

export interface VmApiStandIn {
  url: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  calls: VmApiCall[];
  vms: Map<string, Vm>;
  /** `up`: answers; `down`: 503 from every call; `hang`: never answers (client timeout). */
  mode: 'up' | 'down' | 'hang';
  /** Answered once, to the next signed call, as the real API answers its errors (status and body). */
  nextError: ApiError | undefined;
  /** Requests the last check found valid, with what was verified (for the SigV4 test). */
  verified: { method: string; path: string; query: string; signedHeaders: string[]; bodySha256: string }[];
  /** The idle policy last saved with PUT /policy (the real API writes it to one SSM parameter). */
  policy: IdlePolicy | undefined;
  /**
   * The stack's side of the connection test: the Lifecycle events URL its SSM parameter holds (the
   * stack's placeholder `not-configured` when unset) and the HMAC secret it signs with.
   * POST /test-event delivers the test event through the REAL notifier code (deliver.ts).
   */
  lifecycle: { url: string; secret: string };
  /** Forget every VM, key and call, and answer again (between tests). */
  reset(): void;
  close(): Promise<void>;
}

export interface VmApiStandInOptions {
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/** Parse `AWS4-HMAC-SHA256 Credential=AKID/20261126/eu-west-1/lambda/aws4_request, SignedHeaders=a;b, Signature=hex`. */
export function parseAuthorization(header: string): { accessKeyId: string; scope: string[]; signedHeaders: string[]; signature: string } | undefined {
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(header);
  if (!m) return undefined;
  return { accessKeyId: m[1] as string, scope: (m[2] as string).split('/'), signedHeaders: (m[3] as string).split(';'), signature: m[4] as string };
}

/** How far x-amz-date may be from the receiver's clock, either way. */
export const MAX_SKEW_MS = 5 * 60 * 1000;

/** SigV4 check of a received request, independent of the client's signer. */
export async function verifySigV4(
  req: { method: string; host: string; path: string; query: URLSearchParams; headers: Record<string, string>; body: string | Uint8Array },
  creds: { accessKeyId: string; secretAccessKey: string },
  region: string,
  service = 'lambda',
  now: Date = new Date(),
): Promise<{ ok: true; signedHeaders: string[]; bodySha256: string } | { ok: false; reason: string }> {
  const auth = parseAuthorization(req.headers.authorization ?? '');
  if (!auth) return { ok: false, reason: 'missing or malformed Authorization' };
  if (auth.accessKeyId !== creds.accessKeyId) return { ok: false, reason: 'unknown access key' };
  if (auth.scope[1] !== region || auth.scope[2] !== service) return { ok: false, reason: 'wrong credential scope' };
  const bodySha256 = (typeof req.body === 'string' ? createHash('sha256').update(req.body, 'utf8') : createHash('sha256').update(req.body)).digest('hex');
  const claimed = req.headers['x-amz-content-sha256'];
  if (claimed !== undefined && claimed !== bodySha256) return { ok: false, reason: 'body does not match x-amz-content-sha256' };
  for (const h of ['host', 'x-amz-date']) if (!auth.signedHeaders.includes(h)) return { ok: false, reason: `${h} not signed` };
  const amzDate = req.headers['x-amz-date'] ?? '';
  const d = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!d) return { ok: false, reason: 'bad x-amz-date' };
  const signingDate = new Date(Date.UTC(+d[1]!, +d[2]! - 1, +d[3]!, +d[4]!, +d[5]!, +d[6]!));
  // "a request must reach AWS within five minutes of the time stamp in the request. Otherwise,
  // AWS denies the request" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_aws-signing.html),
  // in both directions, so a captured request cannot be replayed later. AWS's wording.
  const skew = signingDate.getTime() - now.getTime();
  const amz = (t: number) => new Date(t).toISOString().replace(/[:-]|\.\d{3}/g, '');
  if (skew < -MAX_SKEW_MS) return { ok: false, reason: `Signature expired: ${amzDate} is now earlier than ${amz(now.getTime() - MAX_SKEW_MS)} (${amz(now.getTime())} - 5 min.)` };
  if (skew > MAX_SKEW_MS) return { ok: false, reason: `Signature not yet current: ${amzDate} is still later than ${amz(now.getTime() + MAX_SKEW_MS)} (${amz(now.getTime())} + 5 min.)` };
  const headers: Record<string, string> = {};
  for (const h of auth.signedHeaders) {
    const v = h === 'host' ? req.host : req.headers[h];
    if (v === undefined) return { ok: false, reason: `signed header ${h} absent` };
    headers[h] = v;
  }
  // A repeated parameter is signed with all its values (sorted by the canonical form).
  const query: Record<string, string | string[]> = {};
  for (const k of new Set(req.query.keys())) {
    const all = req.query.getAll(k);
    query[k] = all.length > 1 ? all : (all[0] as string);
  }
  const [hostname, port] = req.host.split(':');
  const signer = new SignatureV4({ credentials: creds, region, service, sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign(
    { method: req.method, protocol: 'http:', hostname: hostname ?? '', ...(port ? { port: Number(port) } : {}), path: req.path, query, headers, body: req.body },
    { signingDate, signableHeaders: new Set(auth.signedHeaders) },
  );
  const ours = parseAuthorization(String(signed.headers.authorization ?? signed.headers.Authorization ?? ''));
  if (!ours) return { ok: false, reason: 'could not recompute' };
  if (ours.signedHeaders.join(';') !== auth.signedHeaders.join(';')) return { ok: false, reason: `signed header list differs (${ours.signedHeaders.join(';')})` };
  if (ours.signature !== auth.signature) return { ok: false, reason: 'signature mismatch' };
  return { ok: true, signedHeaders: auth.signedHeaders, bodySha256 };
}

let instanceCounter = 0;

function vmFor(req: ProvisionRequest, region: string, createdAt: string): Vm {
  const id = `i-0${(0xabc0000 + ++instanceCounter).toString(16).padStart(16, '0')}`.slice(0, 19);
  return {
    id,
    issueKey: req.issueKey,
    client: req.client,
    developer: req.developer,
    instanceType: req.instanceType,
    os: req.os,
    state: 'pending',
    amiId: 'ami-0123456789abcdef0',
    createdAt,
    schedule: req.schedule,
    ...(req.costCenter ? { costCenter: req.costCenter } : {}),
    connection: {
      region,
      ssmCommand: `aws ssm start-session --target ${id} --region ${region}`,
      homePath: `/home/${req.developer}`,
      privateIp: '10.0.12.34',
      databases: [
        { engine: 'postgres', host: 'pg.internal.example', port: 5432, database: clientDatabaseName(req.client), user: developerClientLoginName(req.developer, req.client), secretName: developerClientDbSecretName('dev-vm/', req.developer, req.client) },
        { engine: 'mysql', host: 'mysql.internal.example', port: 3306, database: clientDatabaseName(req.client), user: developerClientLoginName(req.developer, req.client), secretName: developerClientDbSecretName('dev-vm/', req.developer, req.client) },
      ],
    },
  };
}

export async function startVmApiStandIn(opts: VmApiStandInOptions = {}): Promise<VmApiStandIn> {
  const region = opts.region ?? 'eu-west-1';
  const credentials = { accessKeyId: opts.accessKeyId ?? 'AKIA' + randomBytes(8).toString('hex').toUpperCase(), secretAccessKey: opts.secretAccessKey ?? randomBytes(30).toString('base64') };
  const vms = new Map<string, Vm>();
  const byKey = new Map<string, string>();
  const calls: VmApiCall[] = [];
  const verified: VmApiStandIn['verified'] = [];
  const state: { mode: VmApiStandIn['mode']; nextError: ApiError | undefined; policy: IdlePolicy | undefined } = { mode: 'up', nextError: undefined, policy: undefined };
  const lifecycle: VmApiStandIn['lifecycle'] = { url: 'not-configured', secret: randomBytes(32).toString('hex') };

  /** As the stack does it: the test event through the notifier (bus delivery is immediate here), its report read back. */
  const sendTestEvent = async (nonce: string): Promise<TestDelivery> => {
    let report: TestDelivery = { state: 'pending' };
    const now = new Date();
    await deliver(
      { source: EVENT_SOURCE, 'detail-type': CONNECTION_TEST_TYPE, id: randomUUID(), detail: { id: randomUUID(), type: CONNECTION_TEST_TYPE, time: now.toISOString(), nonce } },
      {
        webtriggerUrl: async () => lifecycle.url,
        secret: async () => lifecycle.secret,
        forgetSecret: () => undefined,
        fetch: (u, init) => fetch(u, init),
        lookupInstance: async () => undefined,
        log: { info: () => undefined, warn: () => undefined, error: () => undefined },
        timeoutMs: 5_000,
        recordTestDelivery: async (_nonce, outcome) => {
          report = outcome;
        },
      },
      now,
    );
    return report;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const send = (status: number, body: unknown, op: VmApiOperation | null, signature: VmApiCall['signature']) => {
      calls.push({ op, method: req.method ?? '', path: url.pathname, status, body: raw ? (JSON.parse(raw) as unknown) : undefined, signature });
      // Every answer of a function URL carries AWS's request id (and its own 403 an error type),
      // which is how the app tells AWS's 403 from Forge's egress refusal.
      res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), ...(op === null && status === 403 ? { 'x-amzn-errortype': 'AccessDeniedException' } : {}) });
      res.end(JSON.stringify(body));
    };
    if (state.mode === 'hang') return; // the client's timeout must fire
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const check = await verifySigV4({ method: req.method ?? 'GET', host: headers.host ?? '', path: url.pathname, query: url.searchParams, headers, body: raw }, credentials, region);
    if (!check.ok) {
      // Function URLs answer a bare 403 for a bad signature, not the API's error shape.
      send(403, { Message: 'Forbidden' }, null, headers.authorization ? 'invalid' : 'missing');
      return;
    }
    verified.push({ method: req.method ?? '', path: url.pathname, query: url.search, signedHeaders: check.signedHeaders, bodySha256: check.bodySha256 });
    if (state.nextError) {
      const err = state.nextError;
      state.nextError = undefined;
      send(err.status, err.toBody(), null, 'valid');
      return;
    }
    if (state.mode === 'down') {
      send(503, new ApiError('UPSTREAM_FAILED', 'EC2 is unavailable').toBody(), null, 'valid');
      return;
    }
    const route = matchRoute(req.method ?? 'GET', url.pathname);
    if (route.op === null) {
      send(route.allowed.length ? 405 : 404, new ApiError('NOT_FOUND', 'no such operation').toBody(), null, 'valid');
      return;
    }
    // GET /vms without issueKey is the fleet list, as on the real API (selectOperation).
    const op = selectOperation(route.op, Object.fromEntries(url.searchParams));
    const def = VmApi[op];
    try {
      const params = def.params.safeParse(route.params);
      if (!params.success) throw validationError(params.error.issues);
      const query = def.query.safeParse(Object.fromEntries(url.searchParams));
      if (!query.success) throw validationError(query.error.issues);
      let body: unknown;
      if (def.body !== null) {
        const parsed = def.body.safeParse(raw ? JSON.parse(raw) : undefined);
        if (!parsed.success) throw validationError(parsed.error.issues);
        body = parsed.data;
      }
      const id = (params.data as { id?: string }).id;
      // Like the real API (infra-cdk/lambda/vm-api/operations.ts): an instance is found only
      // for the issue it was launched for (its JiraIssue tag).
      const issueKey = (query.data as { issueKey?: string }).issueKey;
      const found = id ? vms.get(id) : undefined;
      const vm = found && found.issueKey === issueKey ? found : undefined;
      if (id && !vm) throw new ApiError('NOT_FOUND', `no VM ${id} for issue ${issueKey ?? ''}`);
      let result: unknown;
      switch (op) {
        case 'health':
          result = { ok: true, version: 'stand-in-1', region, allowedInstanceTypes: ['t3.medium', 't3.large'], allowedOs: ['al2023', 'ubuntu-24.04'] };
          break;
        case 'provision': {
          const p = body as ProvisionRequest;
          const existing = byKey.get(p.idempotencyKey);
          if (existing) {
            result = vms.get(existing);
            break;
          }
          const created = vmFor(p, region, new Date().toISOString());
          vms.set(created.id, created);
          byKey.set(p.idempotencyKey, created.id);
          result = created;
          break;
        }
        case 'listVms':
          result = { vms: [...vms.values()].filter((v) => v.issueKey === (query.data as { issueKey: string }).issueKey) };
          break;
        case 'getVm':
          result = vm;
          break;
        case 'startVm':
        case 'stopVm':
        case 'terminateVm': {
          const next = { startVm: 'pending', stopVm: 'stopping', terminateVm: 'shutting-down' } as const;
          const updated = { ...(vm as Vm), state: next[op] };
          vms.set(updated.id, updated);
          result = updated;
          break;
        }
        case 'updateSchedule': {
          const updated = { ...(vm as Vm), schedule: body as Vm['schedule'] };
          vms.set(updated.id, updated);
          result = updated;
          break;
        }
        case 'keepRunning': {
          // As the real route (infra-cdk/lambda/vm-api/operations.ts keepRunning): at most 24 h
          // ahead, and a stopped VM is started.
          const until = new Date((body as { until: string }).until).getTime();
          if (until <= Date.now()) throw new ApiError('VALIDATION_FAILED', 'until: must be in the future', 'until');
          if (until - Date.now() > 24 * 3_600_000) throw new ApiError('VALIDATION_FAILED', 'until: must be at most 24 hours from now', 'until');
          const current = vm as Vm;
          const updated: Vm = { ...current, keepRunningUntil: new Date(until).toISOString(), ...(current.state === 'stopped' ? { state: 'pending' as const } : {}) };
          vms.set(updated.id, updated);
          result = updated;
          break;
        }
        case 'updateLifecycle': {
          // As infra-cdk/lambda/vm-api/operations.ts updateLifecycle: tags only, the schedule is kept.
          const u = body as LifecycleUpdate;
          const { parkedAt, keptAt, idleStopMinutes, ...rest } = vm as Vm;
          const nowIso = new Date().toISOString();
          const nextParked = u.parked === true ? (parkedAt ?? nowIso) : u.parked === false ? undefined : parkedAt;
          const nextKept = u.keep ? nowIso : keptAt;
          const nextIdle = u.idleStopMinutes === null ? undefined : (u.idleStopMinutes ?? idleStopMinutes);
          const updated: Vm = { ...rest, ...(nextParked ? { parkedAt: nextParked } : {}), ...(nextKept ? { keptAt: nextKept } : {}), ...(nextIdle !== undefined ? { idleStopMinutes: nextIdle } : {}) };
          vms.set(updated.id, updated);
          result = updated;
          break;
        }
        case 'updateCostCenter': {
          // As infra-cdk/lambda/vm-api/operations.ts updateCostCenter: the tag follows, a VM being terminated answers 409.
          const current = vm as Vm;
          if (current.state === 'shutting-down' || current.state === 'terminated') throw new ApiError('CONFLICT', `VM ${current.id} is ${current.state}; its cost center can no longer change`);
          const { costCenter: _old, ...rest } = current;
          const next = (body as CostCenterUpdate).costCenter;
          const updated: Vm = { ...rest, ...(next !== null ? { costCenter: next } : {}) };
          vms.set(updated.id, updated);
          result = updated;
          break;
        }
        case 'updatePolicy':
          // As infra-cdk/lambda/vm-api/operations.ts updatePolicy: kept as sent (the contract validated it).
          state.policy = body as IdlePolicy;
          result = body;
          break;
        case 'sendTestEvent':
          result = await sendTestEvent((body as { nonce: string }).nonce);
          break;
        default:
          throw new ApiError('NOT_FOUND', `${op} is not served by the stand-in`);
      }
      const out = def.response.safeParse(result);
      if (!out.success) throw new ApiError('INTERNAL', `stand-in produced an invalid ${op} response: ${out.error.message}`);
      send(def.status, out.data, op, 'valid');
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError('INTERNAL', String(e));
      send(err.status, err.toBody(), op, 'valid');
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const standIn: VmApiStandIn = {
    url: `http://127.0.0.1:${port}/`,
    region,
    credentials,
    calls,
    vms,
    verified,
    lifecycle,
    get mode() {
      return state.mode;
    },
    set mode(m) {
      state.mode = m;
    },
    get nextError() {
      return state.nextError;
    },
    set nextError(e) {
      state.nextError = e;
    },
    get policy() {
      return state.policy;
    },
    reset: () => {
      state.policy = undefined;
      vms.clear();
      byKey.clear();
      calls.length = 0;
      verified.length = 0;
      state.mode = 'up';
      state.nextError = undefined;
      lifecycle.url = 'not-configured';
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return standIn;
}
