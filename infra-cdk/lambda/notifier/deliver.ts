import { CONNECTION_TEST_TYPE, ConnectionTestEvent, EVENT_SOURCE, LifecycleEvent, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../../src/contract/events';
import type { TestDelivery } from '../../../src/contract/vm-api';
import { signEvent } from '../shared/hmac';
import type { Log } from '../shared/powertools';
import { isAwsInstanceEvent, translateAwsEvent, type AwsEnvelope, type ManagedInstanceLookup } from './aws-events';

/**
 * Delivers one lifecycle event (from the EventBridge rule) to the Forge web trigger: validates it
 * against the contract, signs `${timestamp}.${body}` with the shared HMAC secret and POSTs the
 * exact bytes it signed. A non-2xx answer or a timeout throws, so EventBridge/Lambda retry and
 * finally park the event in the dead-letter queue. While the admin has not configured the URL
 * (the stack's placeholder `not-configured`), events are logged and dropped without error:
 * there is nobody to deliver to, and retrying would only fill the dead-letter queue.
 */

/**
 * A Forge web trigger may run for up to 55 seconds
 * (https://developer.atlassian.com/platform/forge/platform-quotas-and-limits/, invocation limits).
 * Giving up earlier makes a slow but successful delivery look failed: it is retried and then
 * answered "already processed". So the notifier waits a little longer than the web trigger may
 * run, and its function timeout leaves room for that wait plus loading the URL and the secret.
 */
export const WEBTRIGGER_MAX_RUN_MS = 55_000;
export const DELIVERY_TIMEOUT_MS = WEBTRIGGER_MAX_RUN_MS + 5_000;
export const NOTIFIER_FUNCTION_TIMEOUT_SECONDS = 90;

/** What EventBridge passes to the function: our lifecycle events, or EC2's and Tag's own (aws-events.ts). */
export type EventBridgeEnvelope = AwsEnvelope;

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{ status: number; ok: boolean }>;

export interface NotifierDeps {
  /** The Lifecycle events URL, or undefined when not configured. */
  webtriggerUrl(): Promise<string | undefined>;
  secret(): Promise<string>;
  /** Forget the cached secret (after the receiver rejected our signature: it may have been rotated). */
  forgetSecret(): void;
  fetch: FetchLike;
  /** DescribeInstances by id, managed instances only: for AWS's own events (aws-events.ts). */
  lookupInstance: ManagedInstanceLookup;
  log: Log;
  timeoutMs: number;
  /** Where a connection test's outcome is left for the VM API (shared/test-delivery.ts). */
  recordTestDelivery(nonce: string, outcome: Exclude<TestDelivery, { state: 'pending' }>): Promise<void>;
}

/**
 * A connection test waits for its answer inside the admin's request (the VM API polls for the
 * outcome, test-event.ts), so its delivery gives up sooner than a lifecycle event's.
 */
export const TEST_DELIVERY_TIMEOUT_MS = 8_000;

export class InvalidLifecycleEventError extends Error {
  override readonly name = 'InvalidLifecycleEventError';
}
export class WebtriggerDeliveryError extends Error {
  override readonly name = 'WebtriggerDeliveryError';
  constructor(
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type DeliveryResult =
  | { delivered: true; status: number; eventId: string }
  | { delivered: false; reason: 'not-configured'; eventId: string }
  /** An AWS event that is no lifecycle event of ours (another instance, a passing state, a boot step). */
  | { delivered: false; reason: 'not-a-lifecycle-event'; eventId: string; detail: string }
  /** A connection test: whatever the URL answered is its result, recorded for the VM API and never retried. */
  | { delivered: boolean; reason: 'connection-test'; eventId: string; outcome: Exclude<TestDelivery, { state: 'pending' }> };

/** The URL to deliver to, or undefined for the placeholder / anything that is not an https URL (loopback http allowed for local runs). */
export function usableUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return undefined;
  }
  if (url.protocol === 'https:') return url.toString();
  if (url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost')) return url.toString();
  return undefined;
}

export async function deliver(envelope: EventBridgeEnvelope, deps: NotifierDeps, now: Date): Promise<DeliveryResult> {
  let detail = envelope.detail;
  if (isAwsInstanceEvent(envelope)) {
    const t = await translateAwsEvent(envelope, deps.lookupInstance, now);
    if (t.kind === 'dropped') {
      deps.log.info('AWS event is no lifecycle event; dropped', { source: envelope.source, awsEventId: envelope.id, reason: t.reason });
      return { delivered: false, reason: 'not-a-lifecycle-event', eventId: envelope.id ?? '', detail: t.reason };
    }
    detail = t.event;
  } else if (envelope.source !== undefined && envelope.source !== EVENT_SOURCE) {
    throw new InvalidLifecycleEventError(`unexpected event source ${JSON.stringify(envelope.source)}`);
  } else if ((detail as { type?: unknown } | undefined)?.type === CONNECTION_TEST_TYPE) {
    return deliverTestEvent(detail, deps, now);
  }
  const parsed = LifecycleEvent.safeParse(detail);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(detail)'}: ${i.message}`).join('; ');
    throw new InvalidLifecycleEventError(`not a lifecycle event: ${problems}`);
  }
  const event = parsed.data;
  const url = usableUrl(await deps.webtriggerUrl());
  if (!url) {
    deps.log.info('Lifecycle events URL not configured; event dropped', { eventId: event.id, type: event.type, instanceId: event.instanceId });
    return { delivered: false, reason: 'not-configured', eventId: event.id };
  }
  // The body is serialised once; the signature covers exactly these bytes.
  const status = await postSigned(url, JSON.stringify(event), deps, deps.timeoutMs, now);
  if (status < 200 || status >= 300) {
    if (status === 401 || status === 403) deps.forgetSecret();
    throw new WebtriggerDeliveryError(status, `web trigger at ${new URL(url).host} answered ${status} for event ${event.id}`);
  }
  deps.log.info('event delivered', { eventId: event.id, type: event.type, instanceId: event.instanceId, status });
  return { delivered: true, status, eventId: event.id };
}

/**
 * Sign `body` and POST it to the URL; the HTTP status, or WebtriggerDeliveryError when nothing
 * answered. Only the host is logged or put in errors: a Lifecycle events URL is itself a credential.
 */
async function postSigned(url: string, body: string, deps: NotifierDeps, timeoutMs: number, now: Date): Promise<number> {
  const { timestamp, signature } = signEvent(await deps.secret(), body, now);
  try {
    const res = await deps.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signature },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return res.status;
  } catch (e) {
    const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
    throw new WebtriggerDeliveryError(undefined, `${timedOut ? `no answer within ${timeoutMs} ms` : 'request failed'} from ${new URL(url).host}`, { cause: e });
  }
}

/**
 * The connection test's event: signed and posted as a lifecycle event is, to the same URL, and
 * whatever happens is the test's result (left for the VM API), not a failure to retry: a retry
 * would arrive after the admin's test has given up waiting.
 */
async function deliverTestEvent(detail: unknown, deps: NotifierDeps, now: Date): Promise<DeliveryResult> {
  const parsed = ConnectionTestEvent.safeParse(detail);
  if (!parsed.success) throw new InvalidLifecycleEventError(`not a connection test event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const event = parsed.data;
  const at = now.toISOString();
  const url = usableUrl(await deps.webtriggerUrl());
  let outcome: Exclude<TestDelivery, { state: 'pending' }>;
  if (!url) outcome = { state: 'not-configured', at };
  else {
    try {
      outcome = { state: 'answered', status: await postSigned(url, JSON.stringify(event), deps, Math.min(deps.timeoutMs, TEST_DELIVERY_TIMEOUT_MS), now), at };
    } catch (e) {
      if (!(e instanceof WebtriggerDeliveryError)) throw e;
      outcome = { state: 'unreachable', detail: e.message.startsWith('no answer') ? 'timeout' : 'network', at };
    }
  }
  if (outcome.state === 'answered' && (outcome.status === 401 || outcome.status === 403)) deps.forgetSecret();
  await deps.recordTestDelivery(event.nonce, outcome);
  deps.log.info('connection test delivered', { eventId: event.id, outcome: outcome.state, ...(outcome.state === 'answered' ? { status: outcome.status } : {}) });
  return { delivered: outcome.state === 'answered' && outcome.status >= 200 && outcome.status < 300, reason: 'connection-test', eventId: event.id, outcome };
}

/** The slice of Powertools' SSMProvider / SecretsProvider the notifier uses (tests pass the real ones). */
export interface ParameterSource {
  get(name: string, options: { maxAge: number; forceFetch?: boolean }): Promise<unknown>;
}

/** How long the URL and the secret are cached per warm container (see the handler). */
export const URL_MAX_AGE_SECONDS = 60;
export const SECRET_MAX_AGE_SECONDS = 15 * 60;

/**
 * The URL and secret halves of NotifierDeps on Powertools Parameters, which caches each value for
 * `maxAge` seconds per container (https://docs.aws.amazon.com/powertools/typescript/latest/features/parameters/,
 * "Adjusting cache TTL" and "Always fetching the latest"). After the receiver rejects a signature
 * the next read of the secret bypasses the cache (`forceFetch`): the secret may have been rotated.
 */
export function parameterDeps(
  ssm: ParameterSource,
  secrets: ParameterSource,
  names: { urlParameter: string; secretArn: string },
): Pick<NotifierDeps, 'webtriggerUrl' | 'secret' | 'forgetSecret'> {
  let forceFetch = false;
  return {
    async webtriggerUrl() {
      try {
        const v = await ssm.get(names.urlParameter, { maxAge: URL_MAX_AGE_SECONDS });
        return typeof v === 'string' ? v : undefined;
      } catch (e) {
        // Powertools wraps the SDK's error in GetParameterError with the original as its cause.
        if ((e as { cause?: { name?: string } }).cause?.name === 'ParameterNotFound') return undefined;
        throw e;
      }
    },
    async secret() {
      const v = await secrets.get(names.secretArn, { maxAge: SECRET_MAX_AGE_SECONDS, forceFetch });
      forceFetch = false;
      if (typeof v !== 'string' || v === '') throw new Error('the HMAC secret has no string value');
      return v;
    },
    forgetSecret() {
      forceFetch = true;
    },
  };
}
