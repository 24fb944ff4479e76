import { InvocationError, InvocationErrorCode } from '@forge/events';
import { ForgeKvsAPIError } from '@forge/kvs';
import { JiraApiError } from '../adapters/jira-client';
import { errorName, log, type LogFields } from '../adapters/log';

/**
 * How a product trigger or queue consumer ends when something it called failed. Forge retries a
 * product event only when the function RETURNS an InvocationError (at most 4 times, after
 * `retryAfter` seconds); a thrown error loses the event. A queue consumer that throws is
 * redelivered for a day, which helps nobody when the issue is gone. So: a failure a later attempt
 * can fix (Jira or storage busy or down) returns an InvocationError with a delay; one it cannot
 * (a deleted issue, a refusal, a bug) ends the invocation with a log line.
 * https://developer.atlassian.com/platform/forge/events-reference/product_events/ (Retry product events)
 */
export const MAX_PLATFORM_RETRIES = 4;
/** Delay before retry n+1 (seconds): the platform caps retryAfter at 15 minutes. */
export const RETRY_AFTER_SECONDS = [30, 120, 300, 900] as const;

/** Whether a later attempt may succeed where this one failed. */
export function isTransient(e: unknown): boolean {
  if (e instanceof JiraApiError) return e.status === 429 || e.status >= 500;
  if (e instanceof ForgeKvsAPIError) return e.responseDetails.status === 429 || e.responseDetails.status >= 500;
  // @forge/api's own transport errors: the proxy or the network failed, not the request.
  const name = e instanceof Error ? e.name : '';
  return name === 'PROXY_ERR' || name === 'FUNCTION_FETCH_ERR';
}

/** Where the invocation stands in the platform's retries (0 on the first delivery). */
export function retryCountOf(event: unknown): number {
  const n = (event as { retryContext?: { retryCount?: unknown } } | null | undefined)?.retryContext?.retryCount;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : 0;
}

/**
 * Run `work`; on a transient failure ask the platform to run the invocation again (while retries
 * are left), otherwise finish with an error log line naming what was lost.
 */
export async function withPlatformRetry(what: string, event: unknown, fields: LogFields, work: () => Promise<void>): Promise<InvocationError | undefined> {
  try {
    await work();
    return undefined;
  } catch (e) {
    const retryCount = retryCountOf(event);
    if (isTransient(e) && retryCount < MAX_PLATFORM_RETRIES) {
      const retryAfter = RETRY_AFTER_SECONDS[retryCount] ?? 900;
      log.warn(`${what} failed; the platform retries it`, { ...fields, retryCount, retryAfter, error: errorName(e) });
      return new InvocationError({ retryAfter, retryReason: InvocationErrorCode.FUNCTION_RETRY_REQUEST });
    }
    log.error(`${what} failed and is not retried`, { ...fields, retryCount, transient: isTransient(e), error: errorName(e) });
    return undefined;
  }
}
