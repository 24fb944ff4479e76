import { createHmac } from 'node:crypto';
import { signEvent, verifySignature } from '../../src/domain/hmac';

const secret = 'test-secret-value-0123456789';
const body = JSON.stringify({ id: 'x', type: 'vm.stopped' });
const now = new Date('2026-11-26T12:00:00Z');

describe('lifecycle event signature', () => {
  it('signs unix seconds and an HMAC-SHA256 over "timestamp.body" that an independent computation reproduces', () => {
    const { timestamp, signature } = signEvent(secret, body, now);
    expect(timestamp).toBe('1795694400');
    const independent = createHmac('sha256', secret).update(`1795694400.${body}`).digest('hex');
    expect(signature).toBe(`v1=${independent}`);
  });

  it('verifies its own signature within the allowed skew', () => {
    const h = signEvent(secret, body, now);
    expect(verifySignature(secret, body, h, new Date(now.getTime() + 299_000))).toEqual({ ok: true });
  });

  it('rejects a timestamp older than the allowed skew', () => {
    const h = signEvent(secret, body, now);
    expect(verifySignature(secret, body, h, new Date(now.getTime() + 301_000))).toEqual({ ok: false, reason: 'stale-timestamp' });
  });

  it('rejects a changed body, a wrong secret and a missing header', () => {
    const h = signEvent(secret, body, now);
    expect(verifySignature(secret, body + ' ', h, now)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifySignature('other-secret', body, h, now)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifySignature(secret, body, { timestamp: h.timestamp, signature: undefined }, now)).toEqual({ ok: false, reason: 'missing-header' });
    expect(verifySignature(secret, body, { timestamp: 'abc', signature: h.signature }, now)).toEqual({ ok: false, reason: 'bad-timestamp' });
  });

  it('accepts any of several v1 entries so a secret can be rotated', () => {
    const h = signEvent(secret, body, now);
    const both = `v1=${'0'.repeat(64)}, ${h.signature}`;
    expect(verifySignature(secret, body, { timestamp: h.timestamp, signature: both }, now)).toEqual({ ok: true });
  });
});
