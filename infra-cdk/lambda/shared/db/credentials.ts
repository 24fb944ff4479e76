import { createHash, createHmac, pbkdf2Sync, randomBytes, randomInt } from 'node:crypto';
import * as z from 'zod';

/**
 * Passwords, the developer secret's payload, the RDS master secret's payload and the
 * PostgreSQL SCRAM verifier. Nothing here logs or returns a password in an error message.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const PASSWORD_LENGTH = 32;

/**
 * 32 characters from [A-Za-z0-9] chosen with a CSPRNG (≈190 bits): nothing to escape in a
 * connection URL, a shell variable, a .pgpass or my.cnf file, and no SASLprep surprises.
 */
export function generatePassword(length = PASSWORD_LENGTH): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/** Payload of a (developer, client) secret (`<prefix>db/developer/<developer>/<client>`), read by the VM at boot. */
export const DeveloperSecret = z.object({
  username: z.string().min(1),
  password: z.string().regex(/^[A-Za-z0-9]{16,128}$/),
});
export type DeveloperSecret = z.infer<typeof DeveloperSecret>;

/** The RDS/CDK generated master secret: `username`, `password`, optionally `host`, `port`, `engine`, `dbname`. */
export const MasterSecret = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
  host: z.string().optional(),
  port: z.coerce.number().int().min(1).max(65535).optional(),
});
export type MasterSecret = z.infer<typeof MasterSecret>;

/** Parse a secret payload, with an error that names the secret but never echoes its content. */
export function parseSecret<T extends z.ZodType>(schema: T, raw: string, what: string): z.infer<T> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error(`${what} is not JSON`);
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const fields = [...new Set(r.error.issues.map((i) => i.path.join('.') || '(root)'))].join(', ');
    throw new Error(`${what} is malformed (fields: ${fields})`);
  }
  return r.data as z.infer<T>;
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802/7677, the format
 * `psql \password` sends). Sending the verifier instead of the password keeps the cleartext
 * out of the server's statement log and pg_stat_activity.
 */
export function scramSha256Verifier(password: string, iterations = 4096, salt: Buffer = randomBytes(16)): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
