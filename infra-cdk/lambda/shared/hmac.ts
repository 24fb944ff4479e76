/**
 * The notifier's view of the signature scheme. The implementation lives in src/domain/hmac.ts so
 * the Forge web trigger (which cannot import infra code) verifies with exactly the same code.
 */
export { signEvent } from '../../../src/domain/hmac';
