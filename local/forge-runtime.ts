import { randomUUID } from 'node:crypto';
import { JiraStandIn, type JiraSeed } from './jira-stand-in';

/**
 * Plays the Forge platform for the REAL @forge/api, @forge/kvs, @forge/events and
 * @forge/resolver packages: they talk to the platform only through `global.__forge_fetch__`
 * and `global.__forge_runtime__`, which this module installs.
 *
 *   - `{type:'fpp', remote:'jira'}` → the Jira stand-in (OpenAPI-checked), as the app
 *     (`provider:'app'`) or as the invoking user (`provider:'user'`).
 *   - `{type:'kvs'}` → an in-memory Key-Value Store speaking the KVS HTTP contract
 *     (get/set/delete/query, secrets, TTL, FAIL_IF_EXISTS → 409 KEY_CONFLICT).
 *   - `{remote:'stargate'}` → async-event pushes land in an in-memory queue the caller drains
 *     into the consumer; the GraphQL mutation behind webTrigger.getUrl answers a fixed URL.
 *
 * No jest globals: the UI's browser tests and the local preview reuse it.
 */

export interface StandInOptions extends JiraSeed {
  /** The clock used for KVS TTLs (default: the real clock). */
  now?: () => number;
  webtriggerUrl?: string;
  /** Invocation time budget reported to @forge/api's getAppContext (ms). */
  remainingTimeMs?: number;
  /**
   * Accounts that have pressed "Allow access" for the app. Undefined: every account has (the
   * usual state of a site in use). A list: only those, as on a fresh install, where asUser()
   * calls of anyone else are answered with the proxy's NEEDS_AUTHENTICATION_ERR.
   */
  consentedAccounts?: string[];
  /**
   * How long after its expiry time an expired KVS key is really deleted (ms). Default: a random
   * time up to 48 hours, as on the platform; until then reads still return it.
   */
  kvsPurgeDelayMs?: () => number;
}

export interface QueuedEvent {
  queueName: string;
  jobId: string;
  eventId: string;
  body: Record<string, unknown>;
  delayInSeconds?: number;
  /** Set by the platform on a redelivery (as on AsyncEvent.retryContext of @forge/events). */
  retryContext?: { retryCount: number; retryReason: string; retryData?: unknown };
}

/**
 * Retry semantics of the platform, as documented:
 *  - product event triggers are retried only when the function RETURNS an InvocationError
 *    (`{_retry: true, retryOptions}` from @forge/events), after `retryAfter` seconds, at most
 *    4 times; a function that throws is not retried and the event is gone
 *    (https://developer.atlassian.com/platform/forge/events-reference/product_events/ "Retry
 *    product events"; https://community.developer.atlassian.com/t/forge-product-event-retries-eap/59276);
 *  - an async event whose consumer returns an InvocationError is redelivered after `retryAfter`
 *    (at most 4 times); a consumer that throws is redelivered with backoff until the event is
 *    24 hours old (https://developer.atlassian.com/platform/forge/runtime-reference/async-events-api/).
 */
export const MAX_REQUESTED_RETRIES = 4;
export const QUEUE_REDELIVERY_WINDOW_SECONDS = 24 * 3600;
const QUEUE_BACKOFF_SECONDS = (n: number) => Math.min(3600, 60 * 2 ** n);

export interface Delivery {
  /** 0 for the first delivery, then the retry count the function saw. */
  retryCount: number;
  outcome: 'done' | 'retry-requested' | 'threw';
  /** Seconds the platform waits before the next delivery (when there is one). */
  nextInSeconds?: number;
  error?: string;
}

type RetryOptionsShape = { retryAfter?: number; retryReason?: string; retryData?: unknown };
function requestedRetry(result: unknown): RetryOptionsShape | undefined {
  const r = result as { _retry?: unknown; retryOptions?: RetryOptionsShape } | null | undefined;
  return r && typeof r === 'object' && r._retry === true ? (r.retryOptions ?? {}) : undefined;
}

interface KvsEntry {
  value: unknown;
  expireAt?: number;
  /** When the expired key is actually deleted (lazy TTL); absent: at expireAt. */
  purgeAt?: number;
  createdAt: number;
  updatedAt: number;
}

type ForgeFetchTarget = { type?: string; provider?: string; remote?: string; accountId?: string };
type ForgeFetchInit = { method?: string; body?: unknown; headers?: Record<string, string> };

const TTL_MS: Record<string, number> = { SECONDS: 1000, MINUTES: 60_000, HOURS: 3_600_000, DAYS: 86_400_000 };

/**
 * Storage limits and TTL as documented: a value may be at most 240 KiB; an expired key is deleted
 * asynchronously, up to 48 hours after its TTL, and reads may return it until then.
 * https://developer.atlassian.com/platform/forge/storage-reference/kvs-api/ (ttl option)
 * https://developer.atlassian.com/platform/forge/platform-quotas-and-limits/ (KVS limits)
 */
export const KVS_MAX_VALUE_BYTES = 240 * 1024;
export const KVS_MAX_PURGE_DELAY_MS = 48 * 3_600_000;

export class KvsStandIn {
  readonly values = new Map<string, KvsEntry>();
  readonly secrets = new Map<string, KvsEntry>();
  readonly ops: string[] = [];
  constructor(
    private readonly now: () => number,
    /** Replaceable, so a test can pin the purge to its worst case. */
    public purgeDelayMs: () => number = () => Math.floor(Math.random() * KVS_MAX_PURGE_DELAY_MS),
  ) {}

  private live(store: Map<string, KvsEntry>, key: string): KvsEntry | undefined {
    const e = store.get(key);
    if (e && e.expireAt !== undefined && (e.purgeAt ?? e.expireAt) <= this.now()) {
      store.delete(key);
      return undefined;
    }
    return e;
  }

  /** Plain view of stored values (not secrets), for assertions. */
  get(key: string): unknown {
    return this.live(this.values, key)?.value;
  }
  getSecret(key: string): unknown {
    return this.live(this.secrets, key)?.value;
  }

  handle(path: string, init: ForgeFetchInit | undefined): Response {
    const json = (status: number, body?: unknown) => (body === undefined ? new Response(null, { status }) : new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
    const error = (status: number, code: string, message: string) => json(status, { code, message });
    if ((init?.method ?? 'GET') !== 'POST') return error(405, 'METHOD_NOT_ALLOWED', 'KVS API calls are POST');
    let req: { key?: unknown; value?: unknown; options?: { ttl?: { value: number; unit: string }; keyPolicy?: string }; where?: { property: string; condition: string; values: unknown[] }[]; limit?: number; after?: string };
    try {
      req = JSON.parse(String(init?.body ?? '{}'));
    } catch {
      return error(400, 'BAD_REQUEST', 'body is not JSON');
    }
    const secret = path.includes('/secret/');
    const store = secret ? this.secrets : this.values;
    const op = path.replace('/api/v1/', '');
    this.ops.push(op);
    const key = req.key;
    if (op !== 'query' && (typeof key !== 'string' || key.length === 0 || key.length > 100 || !/^[a-zA-Z0-9:._\s#-]+$/.test(key))) return error(400, 'INVALID_KEY', `invalid key ${String(key)}`);
    switch (op) {
      case 'get':
      case 'secret/get': {
        const e = this.live(store, key as string);
        if (!e) return error(404, 'KEY_NOT_FOUND', 'key not found');
        return json(200, { key, value: e.value, createdAt: e.createdAt, updatedAt: e.updatedAt, ...(e.expireAt ? { expireTime: new Date(e.expireAt).toISOString() } : {}) });
      }
      case 'set':
      case 'secret/set': {
        if (req.value === undefined) return error(400, 'INVALID_VALUE', 'value is required');
        if (Buffer.byteLength(JSON.stringify(req.value), 'utf8') > KVS_MAX_VALUE_BYTES) return error(400, 'VALUE_TOO_LARGE', `value is larger than ${KVS_MAX_VALUE_BYTES} bytes`);
        const existing = this.live(store, key as string);
        if (req.options?.keyPolicy === 'FAIL_IF_EXISTS' && existing) return error(409, 'KEY_CONFLICT', 'key already exists');
        const ttl = req.options?.ttl;
        const t = this.now();
        const expireAt = ttl ? t + ttl.value * (TTL_MS[ttl.unit] ?? 1000) : undefined;
        store.set(key as string, { value: req.value, createdAt: existing?.createdAt ?? t, updatedAt: t, ...(expireAt !== undefined ? { expireAt, purgeAt: expireAt + this.purgeDelayMs() } : {}) });
        return json(204);
      }
      case 'delete':
      case 'secret/delete': {
        if (!this.live(store, key as string)) return error(404, 'KEY_NOT_FOUND', 'key not found');
        store.delete(key as string);
        return json(204);
      }
      case 'query': {
        const w = req.where?.[0];
        const keys = [...store.keys()].filter((k) => this.live(store, k)).sort();
        const matching = keys.filter((k) => !w || (w.condition === 'BEGINS_WITH' && k.startsWith(String(w.values[0]))));
        const start = req.after ? matching.indexOf(req.after) + 1 : 0;
        const limit = req.limit ?? 10;
        const page = matching.slice(start, start + limit);
        const more = start + limit < matching.length;
        return json(200, { data: page.map((k) => ({ key: k, value: store.get(k)?.value })), ...(more ? { cursor: page[page.length - 1] } : {}) });
      }
      default:
        return error(404, 'NOT_FOUND', `KVS stand-in has no ${path}`);
    }
  }
}

export interface ForgeStandIn {
  jira: JiraStandIn;
  kvs: KvsStandIn;
  /** Events pushed to @forge/events queues and not yet drained. */
  queue: QueuedEvent[];
  webtriggerUrl: string;
  /** Contract violations from any stand-in (Jira spec, ADF, unexpected platform calls). */
  violations(): string[];
  /**
   * Run `fn` as an invocation by `accountId` (undefined: no user, as in triggers): user-scoped
   * Jira calls act as that account.
   */
  asInvocation<T>(accountId: string | undefined, fn: () => Promise<T>): Promise<T>;
  /** Call a resolver function (a `getDefinitions()` handler) the way Forge's bridge does. */
  /** The context is an issue panel's with `issueKey`, a project settings page's with `projectKey`, else the admin page's. */
  invokeResolver(handler: ResolverHandler, functionKey: string, payload: unknown, opts: { accountId?: string; issueKey?: string; issueId?: string; projectKey?: string }): Promise<unknown>;
  /**
   * From now on the function's outbound fetch may reach only these manifest egress addresses
   * (`permissions.external.fetch.backend`, e.g. `*.lambda-url.eu-west-1.on.aws`); anything else
   * gets the egress proxy's refusal. Off by default, as the local VM API listens on 127.0.0.1.
   */
  restrictEgress(addresses: string[]): void;
  /** From now on only these accounts have granted access (a fresh install: none). */
  requireConsent(consentedAccounts?: string[]): void;
  /** The account pressed "Allow access" (Forge's user consent screen). */
  grantConsent(accountId: string): void;
  /**
   * Deliver queued events (oldest first) to a consumer with the platform's redelivery rules
   * (see MAX_REQUESTED_RETRIES); returns how many deliveries were made. Delays are simulated
   * (recorded on the redelivered event as `delayInSeconds`), not waited for.
   */
  drainQueue(consumer: (event: QueuedEvent) => Promise<unknown>): Promise<number>;
  /** Every queue delivery so far, by event id. */
  queueDeliveries: Map<string, Delivery[]>;
  /** Events the queue gave up on (redelivered for 24 hours, or 4 requested retries used up). */
  droppedEvents: QueuedEvent[];
  /**
   * Deliver a product event (e.g. avi:jira:updated:issue) to a trigger function the way Forge
   * does, with its retry rules; returns every delivery made.
   */
  deliverProductEvent(trigger: (event: Record<string, unknown>) => Promise<unknown>, event: Record<string, unknown>): Promise<Delivery[]>;
  uninstall(): void;
}

export type ResolverHandler = (payload: { call: { functionKey: string; payload?: unknown }; context: Record<string, unknown> }, backend?: Record<string, unknown>) => Promise<unknown>;

type Globals = { __forge_fetch__?: unknown; __forge_runtime__?: unknown };

export function createForgeStandIn(options: StandInOptions = {}): ForgeStandIn {
  const now = options.now ?? (() => Date.now());
  const jira = new JiraStandIn(options);
  const kvs = new KvsStandIn(now, options.kvsPurgeDelayMs);
  const queue: QueuedEvent[] = [];
  const queueDeliveries = new Map<string, Delivery[]>();
  const droppedEvents: QueuedEvent[] = [];
  const platformViolations: string[] = [];
  const webtriggerUrl = options.webtriggerUrl ?? 'https://example-site.atlassian-dev.net/x1/Ab3dWebTriggerStandIn';
  let currentUser: string | undefined;
  let consented = options.consentedAccounts ? new Set(options.consentedAccounts) : undefined;

  const runtime = {
    proxy: { token: 'stand-in-token', url: 'https://forge-proxy.stand-in' },
    tracing: { traceId: 'trace-stand-in', spanId: 'span-stand-in' },
    metrics: {
      counter: () => ({ incr: () => undefined, decr: () => undefined }),
      timing: () => ({ measure: () => ({ stop: () => undefined }) }),
      gauge: () => ({ set: () => undefined }),
    },
    appContext: {
      appId: '6b1a3f52-8d0e-4c7a-9f3e-2d5b7c9e1a40',
      appVersion: '1.0.0',
      environmentId: 'env-stand-in',
      environmentType: 'DEVELOPMENT',
      invocationId: 'invocation-stand-in',
      installationId: 'installation-stand-in',
      moduleKey: 'stand-in',
    },
    contextAri: 'ari:cloud:jira::site/stand-in',
    lambdaContext: { getRemainingTimeInMillis: () => options.remainingTimeMs ?? 25_000 },
  };

  const stargate = (path: string, init: ForgeFetchInit | undefined): Response => {
    const body = JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown>;
    if (path.startsWith('/webhook/queue/publish/')) {
      const events = (body.payload as { body: Record<string, unknown>; delayInSeconds?: number }[]) ?? [];
      for (const e of events) {
        queue.push({ queueName: String(body.queueName), jobId: String(body.jobId), eventId: randomUUID(), body: e.body, ...(e.delayInSeconds !== undefined ? { delayInSeconds: e.delayInSeconds } : {}) });
      }
      return new Response(JSON.stringify({}), { status: 201, headers: { 'content-type': 'application/json' } });
    }
    if (path === '/graphql' && String(body.query ?? '').includes('createWebTriggerUrl')) {
      return new Response(JSON.stringify({ data: { createWebTriggerUrl: { url: webtriggerUrl } } }), { status: 200, headers: { 'content-type': 'application/json' } });
    }
    platformViolations.push(`unexpected platform call ${path}`);
    return new Response(JSON.stringify({ message: 'not implemented by the stand-in' }), { status: 501 });
  };

  const forgeFetch = async (target: ForgeFetchTarget, path: string, init: ForgeFetchInit | undefined): Promise<Response> => {
    if (target.type === 'kvs') return kvs.handle(path, init);
    if (target.remote === 'jira') {
      const actor = target.provider === 'app' ? 'app' : target.provider === 'user' ? (target.accountId ?? currentUser) : undefined;
      if (target.provider === 'none') platformViolations.push(`requestJira without asUser()/asApp(): ${path}`);
      // A user who has not granted the app access yet: the Forge proxy answers with the
      // `forge-proxy-error: NEEDS_AUTHENTICATION_ERR` header, @forge/api throws
      // NeedsAuthenticationError, and the platform shows that user the "Allow access" screen
      // when the error leaves the function. Users are prompted the first time they use the app:
      // https://developer.atlassian.com/platform/forge/add-scopes-to-call-an-atlassian-rest-api/
      if (target.provider === 'user' && typeof actor === 'string' && consented && !consented.has(actor)) {
        return new Response(JSON.stringify({ message: 'Authentication Required' }), { status: 401, headers: { 'content-type': 'application/json', 'forge-proxy-error': 'NEEDS_AUTHENTICATION_ERR' } });
      }
      return jira.handle(actor, path, init);
    }
    if (target.remote === 'stargate') return stargate(path, init);
    platformViolations.push(`unexpected __forge_fetch__ target ${JSON.stringify(target)} ${path}`);
    return new Response(null, { status: 501 });
  };

  const g = globalThis as Globals;
  const previous = { fetch: g.__forge_fetch__, runtime: g.__forge_runtime__, globalFetch: globalThis.fetch };
  g.__forge_fetch__ = forgeFetch;
  g.__forge_runtime__ = runtime;

  /**
   * Forge routes a function's outbound fetch through its egress proxy, which lets through only
   * the addresses the manifest declares (https://developer.atlassian.com/platform/forge/runtime-reference/fetch-api/,
   * "go.atlassian.com/forge-egress" in @forge/api's ExternalEndpointNotAllowedError). A refused
   * call is answered by the proxy: HTTP 403 with `forge-proxy-error: REQUEST_EGRESS_ALLOWLIST_ERR`
   * and none of AWS's response headers or error body.
   */
  const egressAllowed = (allow: string[], host: string): boolean =>
    allow.some((a) => {
      const pattern = a.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
      return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern;
    });
  const restrictEgress = (addresses: string[]) => {
    const inner = previous.globalFetch;
    globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (!egressAllowed(addresses, url.hostname)) {
        return new Response(`URL not included in the external fetch backend permissions: ${url.origin}`, { status: 403, headers: { 'content-type': 'text/plain', 'forge-proxy-error': 'REQUEST_EGRESS_ALLOWLIST_ERR' } });
      }
      return inner(input, init);
    }) as typeof fetch;
  };

  const asInvocation = async <T>(accountId: string | undefined, fn: () => Promise<T>): Promise<T> => {
    const before = currentUser;
    currentUser = accountId;
    try {
      return await fn();
    } finally {
      currentUser = before;
    }
  };

  return {
    jira,
    kvs,
    queue,
    webtriggerUrl,
    violations: () => [...jira.violations, ...platformViolations],
    asInvocation,
    requireConsent: (accounts = []) => {
      consented = new Set(accounts);
    },
    grantConsent: (accountId) => consented?.add(accountId),
    invokeResolver: (handler, functionKey, payload, opts) =>
      asInvocation(opts.accountId, () =>
        handler(
          {
            call: { functionKey, payload },
            context: {
              extension: opts.issueKey
                ? { type: 'jira:issuePanel', issue: { key: opts.issueKey, id: opts.issueId ?? jira.issues.get(opts.issueKey)?.id } }
                : opts.projectKey
                  ? { type: 'jira:projectSettingsPage', project: { key: opts.projectKey } }
                  : { type: 'jira:adminPage' },
            },
          },
          { principal: opts.accountId ? { accountId: opts.accountId } : undefined },
        ),
      ),
    queueDeliveries,
    droppedEvents,
    drainQueue: async (consumer) => {
      let n = 0;
      while (queue.length > 0) {
        const e = queue.shift() as QueuedEvent;
        const retryCount = e.retryContext?.retryCount ?? 0;
        const log = queueDeliveries.get(e.eventId) ?? [];
        queueDeliveries.set(e.eventId, log);
        n++;
        let result: unknown;
        try {
          result = await asInvocation(undefined, () => consumer(e));
        } catch (err) {
          // Thrown: redelivered with backoff until the event is a day old.
          const waited = log.reduce((sum, d) => sum + (d.nextInSeconds ?? 0), 0);
          const next = QUEUE_BACKOFF_SECONDS(retryCount);
          const again = waited + next <= QUEUE_REDELIVERY_WINDOW_SECONDS;
          log.push({ retryCount, outcome: 'threw', error: err instanceof Error ? err.name : String(err), ...(again ? { nextInSeconds: next } : {}) });
          if (again) queue.push({ ...e, delayInSeconds: next, retryContext: { retryCount: retryCount + 1, retryReason: 'FUNCTION_PLATFORM_UNKNOWN_ERROR' } });
          else droppedEvents.push(e);
          continue;
        }
        const retry = requestedRetry(result);
        if (!retry) {
          log.push({ retryCount, outcome: 'done' });
          continue;
        }
        const again = retryCount < MAX_REQUESTED_RETRIES;
        const next = Math.max(1, retry.retryAfter ?? 1);
        log.push({ retryCount, outcome: 'retry-requested', ...(again ? { nextInSeconds: next } : {}) });
        if (again) queue.push({ ...e, delayInSeconds: next, retryContext: { retryCount: retryCount + 1, retryReason: retry.retryReason ?? 'FUNCTION_RETRY_REQUEST', ...(retry.retryData !== undefined ? { retryData: retry.retryData } : {}) } });
        else droppedEvents.push(e);
      }
      return n;
    },
    deliverProductEvent: async (trigger, event) => {
      const deliveries: Delivery[] = [];
      for (let retryCount = 0; ; retryCount++) {
        const payload = retryCount === 0 ? event : { ...event, retryContext: { retryCount, retryReason: 'FUNCTION_RETRY_REQUEST' } };
        let result: unknown;
        try {
          result = await asInvocation(undefined, () => trigger(payload));
        } catch (err) {
          // A trigger that throws is not retried: the event is lost.
          deliveries.push({ retryCount, outcome: 'threw', error: err instanceof Error ? err.name : String(err) });
          return deliveries;
        }
        const retry = requestedRetry(result);
        if (!retry) {
          deliveries.push({ retryCount, outcome: 'done' });
          return deliveries;
        }
        const again = retryCount < MAX_REQUESTED_RETRIES;
        deliveries.push({ retryCount, outcome: 'retry-requested', ...(again ? { nextInSeconds: Math.max(1, retry.retryAfter ?? 1) } : {}) });
        if (!again) return deliveries;
      }
    },
    restrictEgress,
    uninstall: () => {
      g.__forge_fetch__ = previous.fetch;
      g.__forge_runtime__ = previous.runtime;
      globalThis.fetch = previous.globalFetch;
    },
  };
}
