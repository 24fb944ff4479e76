/**
 * Backoff of a provision request whose API call failed for a transient reason. The delays stay
 * under the queue's 15-minute maximum; after the last attempt the issue gets a comment saying
 * nothing was launched, and a person can provision again from the panel.
 */
export const PROVISION_DELAYS_SECONDS = [60, 300, 900] as const;
export const MAX_PROVISION_ATTEMPTS = PROVISION_DELAYS_SECONDS.length + 1;

/** Delay before attempt `attempt + 1`, or undefined when `attempt` was the last one. */
export function retryDelaySeconds(attempt: number): number | undefined {
  return attempt >= 1 && attempt < MAX_PROVISION_ATTEMPTS ? PROVISION_DELAYS_SECONDS[attempt - 1] : undefined;
}
