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

/**
 * Polling is bounded: a panel left open on a VM that never settles (or a request the queue keeps
 * retrying) would otherwise ask the backend every 20 s for as long as the tab lives. After this
 * long the panel stops and offers "Refresh", which starts a new window.
 */
export const POLL_WINDOW_MS = 10 * 60_000;

export interface PollInput {
  /** The VM is changing state (pending, stopping, shutting-down). */
  transitional: boolean;
  /** A provision request is waiting in the retry queue. */
  queued: boolean;
  /** The last answer was the stored record because the VM API did not answer. */
  stale: boolean;
  /** When this polling window began (ms), or null when none has begun. */
  windowStartMs: number | null;
  nowMs: number;
  /** Polls already made in this window. */
  attempt: number;
}

export type PollDecision = { poll: true; delayMs: number } | { poll: false; why: 'settled' | 'stale' | 'time-limit' };

/**
 * Whether to poll again, and when. A stale answer stops polling: asking again every few seconds
 * does not bring the VM API back, and the panel says what it shows and offers Refresh instead.
 */
export function pollDecision(input: PollInput): PollDecision {
  if (!input.transitional && !input.queued) return { poll: false, why: 'settled' };
  if (input.stale) return { poll: false, why: 'stale' };
  const delayMs = nextPollDelay(input.attempt);
  const start = input.windowStartMs ?? input.nowMs;
  if (input.nowMs + delayMs - start > POLL_WINDOW_MS) return { poll: false, why: 'time-limit' };
  return { poll: true, delayMs };
}
