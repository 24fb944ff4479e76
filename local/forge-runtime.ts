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
}

export interface QueuedEvent {
  queueName: string;
  jobId: string;
  eventId: string;
  body: Record<string, unknown>;
  delayInSeconds?: number;
}

interface KvsEntry {
  value: unknown;
  expireAt?: number;
  createdAt: number;
  updatedAt: number;
}

type ForgeFetchTarget = { type?: string; provider?: string; remote?: string; accountId?: string };
type ForgeFetchInit = { method?: string; body?: unknown; headers?: Record<string, string> };

const TTL_MS: Record<string, number> = { SECONDS: 1000, MINUTES: 60_000, HOURS: 3_600_000, DAYS: 86_400_000 };

export class KvsStandIn {
  readonly values = new Map<string, KvsEntry>();
  readonly secrets = new Map<string, KvsEntry>();
  readonly ops: string[] = [];
  constructor(private readonly now: () => number) {}

  private live(store: Map<string, KvsEntry>, key: string): KvsEntry | undefined {
    const e = store.get(key);
    if (e && e.expireAt !== undefined && e.expireAt <= this.now()) {
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
        if (JSON.stringify(req.value).length > 240_000) return error(400, 'VALUE_TOO_LARGE', 'value too large');
        const existing = this.live(store, key as string);
        if (req.options?.keyPolicy === 'FAIL_IF_EXISTS' && existing) return error(409, 'KEY_CONFLICT', 'key already exists');
        const ttl = req.options?.ttl;
        const t = this.now();
        store.set(key as string, { value: req.value, createdAt: existing?.createdAt ?? t, updatedAt: t, ...(ttl ? { expireAt: t + ttl.value * (TTL_MS[ttl.unit] ?? 1000) } : {}) });
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
  /** Deliver queued events (oldest first) to a consumer; returns how many were delivered. */
  drainQueue(consumer: (event: QueuedEvent & { retryContext?: unknown }) => Promise<unknown>): Promise<number>;
  uninstall(): void;
}

export type ResolverHandler = (payload: { call: { functionKey: string; payload?: unknown }; context: Record<string, unknown> }, backend?: Record<string, unknown>) => Promise<unknown>;

type Globals = { __forge_fetch__?: unknown; __forge_runtime__?: unknown };

export function createForgeStandIn(options: StandInOptions = {}): ForgeStandIn {
  const now = options.now ?? (() => Date.now());
  const jira = new JiraStandIn(options);
  const kvs = new KvsStandIn(now);
  const queue: QueuedEvent[] = [];
  const platformViolations: string[] = [];
  const webtriggerUrl = options.webtriggerUrl ?? 'https://example-site.atlassian-dev.net/x1/Ab3dWebTriggerStandIn';
  let currentUser: string | undefined;

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
      return jira.handle(actor, path, init);
    }
    if (target.remote === 'stargate') return stargate(path, init);
    platformViolations.push(`unexpected __forge_fetch__ target ${JSON.stringify(target)} ${path}`);
    return new Response(null, { status: 501 });
  };

  const g = globalThis as Globals;
  const previous = { fetch: g.__forge_fetch__, runtime: g.__forge_runtime__ };
  g.__forge_fetch__ = forgeFetch;
  g.__forge_runtime__ = runtime;

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
    drainQueue: async (consumer) => {
      let n = 0;
      while (queue.length > 0) {
        const e = queue.shift() as QueuedEvent;
        await asInvocation(undefined, () => consumer(e));
        n++;
      }
      return n;
    },
    uninstall: () => {
      g.__forge_fetch__ = previous.fetch;
      g.__forge_runtime__ = previous.runtime;
    },
  };
}
