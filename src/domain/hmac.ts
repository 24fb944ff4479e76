import { createHmac, timingSafeEqual } from 'node:crypto';
import { MAX_SKEW_SECONDS, SIGNATURE_VERSION, signedPayload } from '../contract/events';

/**
 * The lifecycle-event signature scheme of src/contract/events.ts, in one place for both ends:
 * the notifier Lambda signs (infra-cdk/lambda/notifier) and the Forge web trigger verifies.
 * Pure apart from node:crypto (no clock: the caller passes `now`), so both sides and their tests
 * compute exactly the same bytes.
 */

/** Hex HMAC-SHA256 of `${timestamp}.${rawBody}`. */
export function hmacHex(secret: string, timestamp: string, rawBody: string): string {
  return createHmac('sha256', secret).update(signedPayload(timestamp, rawBody), 'utf8').digest('hex');
}

/** Header values for one delivery: X-DevVm-Timestamp (unix seconds) and X-DevVm-Signature (`v1=<hex>`). */
export function signEvent(secret: string, rawBody: string, now: Date): { timestamp: string; signature: string } {
  if (secret.length === 0) throw new Error('HMAC secret is empty');
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { timestamp, signature: `${SIGNATURE_VERSION}=${hmacHex(secret, timestamp, rawBody)}` };
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing-header' | 'bad-timestamp' | 'stale-timestamp' | 'bad-signature' };

/**
 * Check a delivery: the timestamp must be unix seconds within MAX_SKEW_SECONDS of `now`, and the
 * signature header must contain a `v1=` entry equal (constant-time) to our own computation.
 * Several comma-separated entries are accepted so the secret can be rotated with two values live.
 */
export function verifySignature(
  secret: string,
  rawBody: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  now: Date,
  maxSkewSeconds: number = MAX_SKEW_SECONDS,
): VerifyResult {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature || secret.length === 0) return { ok: false, reason: 'missing-header' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad-timestamp' };
  const skew = Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp));
  if (skew > maxSkewSeconds) return { ok: false, reason: 'stale-timestamp' };
  const expected = Buffer.from(hmacHex(secret, timestamp, rawBody), 'hex');
  const prefix = `${SIGNATURE_VERSION}=`;
  let match = false;
  for (const part of signature.split(',')) {
    const entry = part.trim();
    if (!entry.startsWith(prefix)) continue;
    const hex = entry.slice(prefix.length);
    if (!/^[0-9a-f]{64}$/i.test(hex)) continue;
    const given = Buffer.from(hex, 'hex');
    // Both buffers are 32 bytes here, so timingSafeEqual cannot throw; keep looping so the time
    // taken does not reveal which entry matched.
    if (timingSafeEqual(given, expected)) match = true;
  }
  return match ? { ok: true } : { ok: false, reason: 'bad-signature' };
}
