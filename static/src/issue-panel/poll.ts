/**
 * Polling backoff while a VM changes state: from 2 s, ×1.6 per poll, at most 20 s, so a slow
 * launch does not hammer the backend and a quick one still shows within seconds.
 */
export const POLL_FIRST_MS = 2_000;
export const POLL_MAX_MS = 20_000;
const POLL_FACTOR = 1.6;

export function nextPollDelay(attempt: number): number {
  return Math.min(POLL_MAX_MS, Math.round(POLL_FIRST_MS * POLL_FACTOR ** attempt));
}
