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

/**
 * How long a pending provision request is trusted to be in the queue's hands: every delay plus
 * generous slack for queue latency. A request older than this lost its queued job (e.g. the push
 * failed after the request was stored), so the next provisioning transition may send it again,
 * under the same idempotency key.
 */
export const PENDING_TRUSTED_SECONDS = PROVISION_DELAYS_SECONDS.reduce((a, b) => a + b, 0) + 15 * 60;

/** Whether a pending request stored at `sinceIso` is past the queue's retry window at `now`. */
export function pendingIsStale(sinceIso: string, now: Date): boolean {
  const since = new Date(sinceIso).getTime();
  return Number.isNaN(since) || now.getTime() - since > PENDING_TRUSTED_SECONDS * 1000;
}
