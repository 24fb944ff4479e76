import { randomUUID } from 'node:crypto';
import { ApiError } from '../../../src/contract/errors';
import { CONNECTION_TEST_TYPE, ConnectionTestEvent } from '../../../src/contract/events';
import type { TestDelivery } from '../../../src/contract/vm-api';
import type { VmApiDeps } from './deps';

/**
 * POST /test-event: the connection test's round trip. The event goes on the lifecycle bus, so it
 * takes the path every lifecycle event takes (the bus rule, the notifier with its secret and URL
 * parameter, the HTTP call to the Lifecycle events URL); the notifier leaves what the URL answered
 * in the state bucket, which this route polls for a bounded time. The Forge resolver that calls
 * it must answer within 25 s (https://developer.atlassian.com/platform/forge/platform-quotas-and-limits/),
 * so the wait stays well below that.
 */
export const TEST_EVENT_WAIT_MS = 12_000;
export const TEST_EVENT_POLL_MS = 500;

export async function sendTestEvent(deps: VmApiDeps, nonce: string): Promise<TestDelivery> {
  const channel = deps.testEvents;
  if (!channel) throw new ApiError('INTERNAL', 'this stack has no connection-test channel');
  const event = ConnectionTestEvent.parse({ id: randomUUID(), type: CONNECTION_TEST_TYPE, time: deps.now().toISOString(), nonce });
  try {
    await channel.publish(event);
  } catch (e) {
    throw new ApiError('UPSTREAM_FAILED', 'EventBridge did not accept the test event', undefined, { cause: e });
  }
  // Counted in sleeps, not read from the clock: the wait is bounded whatever the clock does.
  for (let waited = 0; ; waited += TEST_EVENT_POLL_MS) {
    const outcome = await channel.outcome(nonce);
    if (outcome) {
      deps.annotate?.({ testDelivery: outcome.state, ...(outcome.state === 'answered' ? { testStatus: outcome.status } : {}) });
      return outcome;
    }
    if (waited >= TEST_EVENT_WAIT_MS) break;
    await deps.sleep(TEST_EVENT_POLL_MS);
  }
  deps.annotate?.({ testDelivery: 'pending' });
  return { state: 'pending' };
}
