import { kvs, ForgeKvsAPIError } from '@forge/kvs';
import * as z from 'zod';
import { DEFAULT_SETTINGS, Settings, type SecretsInput } from '../contract/settings';
import { VmOwnerRecord } from '../domain/ownership';
import { log } from './log';

/**
 * Per-installation storage behind typed keys. Settings are plain KVS values; the AWS key pair
 * and the web trigger's HMAC secret go through kvs.setSecret/getSecret (encrypted, and never
 * returned by any resolver: pages see only whether each is set).
 */

const SETTINGS_KEY = 'settings:v1';
const SECRET_KEYS = { accessKeyId: 'secret:aws-access-key-id', secretAccessKey: 'secret:aws-secret-access-key', hmacSecret: 'secret:webtrigger-hmac' } as const;
export type SecretName = keyof typeof SECRET_KEYS;
export type Secrets = Partial<Record<SecretName, string>>;

/**
 * The version of the stored settings. Settings stored before versions existed carry none and have
 * the version-1 shape (members added since, `comments` and `identity`, take their documented
 * defaults); a higher version was written by a newer app and is not guessed at.
 */
const SETTINGS_VERSION = 1;

/** What reading the stored settings found. Unreadable settings are reported, never silently replaced. */
export type SettingsRead = { kind: 'absent' } | { kind: 'ok'; settings: Settings } | { kind: 'unreadable'; problems: string[] };

function readStoredSettings(raw: unknown): SettingsRead {
  if (raw === undefined || raw === null) return { kind: 'absent' };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { kind: 'unreadable', problems: ['the stored value is not a JSON object'] };
  const { version = 1, ...value } = raw as Record<string, unknown>;
  if (version !== SETTINGS_VERSION) {
    return { kind: 'unreadable', problems: [typeof version === 'number' && version > SETTINGS_VERSION ? `they were saved by a newer version of the app (version ${version})` : `their version ${JSON.stringify(version).slice(0, 20)} is not one the app writes`] };
  }
  const parsed = Settings.safeParse(value);
  if (parsed.success) return { kind: 'ok', settings: parsed.data };
  // Where, not what: the paths say which setting to look at without echoing stored values.
  return { kind: 'unreadable', problems: [...new Set(parsed.error.issues.map((i) => i.path.map(String).join('.') || '(the settings themselves)'))].map((p) => `${p} does not match what this version of the app stores`) };
}

export async function readSettings(): Promise<SettingsRead> {
  return readStoredSettings(await kvs.get<unknown>(SETTINGS_KEY));
}

/**
 * The settings in force. Unreadable stored settings are unknown: every trigger then acts as if
 * nothing were set up (no status provisions, stops or terminates anything), and says so in the
 * log each time; the admin page shows what is unreadable, and saving replaces them.
 */
export async function loadSettings(): Promise<Settings> {
  const read = await readSettings();
  if (read.kind === 'ok') return read.settings;
  if (read.kind === 'unreadable') log.error('stored settings unreadable; acting as if none were set', { problems: read.problems.join('; ') });
  return DEFAULT_SETTINGS;
}

export async function saveSettings(settings: Settings): Promise<void> {
  await kvs.set(SETTINGS_KEY, { version: SETTINGS_VERSION, ...settings });
}

export async function loadSecrets(): Promise<Secrets> {
  const names = Object.keys(SECRET_KEYS) as SecretName[];
  const values = await Promise.all(names.map((n) => kvs.getSecret<string>(SECRET_KEYS[n])));
  const out: Secrets = {};
  names.forEach((n, i) => {
    const v = values[i];
    if (typeof v === 'string' && v.length > 0) out[n] = v;
  });
  return out;
}

export async function loadSecret(name: SecretName): Promise<string | undefined> {
  const v = await kvs.getSecret<string>(SECRET_KEYS[name]);
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Absent = unchanged, empty string = delete. Returns the names that changed. */
export async function saveSecrets(input: SecretsInput): Promise<SecretName[]> {
  const changed: SecretName[] = [];
  for (const name of Object.keys(SECRET_KEYS) as SecretName[]) {
    const value = input[name];
    if (value === undefined) continue;
    if (value === '') await kvs.deleteSecret(SECRET_KEYS[name]);
    else await kvs.setSecret(SECRET_KEYS[name], value);
    changed.push(name);
  }
  return changed;
}

/**
 * The replay guard of the web trigger: an event id is claimed atomically (FAIL_IF_EXISTS) before
 * the event is applied and marked done after. A repeat of a done event is answered as already
 * processed (the sender's retry of a slow but successful delivery); a repeat while the first is
 * still running waits for it; a claim older than the web trigger's own time limit was left by an
 * invocation that died, and is taken over. The TTL outlives the signature's freshness window,
 * after which a replay fails the timestamp check anyway, so the store stays bounded.
 */
export type EventClaim = 'claimed' | 'done' | 'in-progress';
const CLAIM_TAKEOVER_MS = 60_000;
const SeenEvent = z.object({ state: z.enum(['processing', 'done']), at: z.number() });

export async function claimEventId(eventId: string, ttlMinutes: number, now: number): Promise<EventClaim> {
  const key = `seen-event:${eventId}`;
  const ttl = { value: ttlMinutes, unit: 'MINUTES' as const };
  try {
    await kvs.set(key, { state: 'processing', at: now }, { keyPolicy: 'FAIL_IF_EXISTS', ttl });
    return 'claimed';
  } catch (e) {
    if (!(e instanceof ForgeKvsAPIError && (e.code === 'KEY_CONFLICT' || e.responseDetails.status === 409))) throw e;
  }
  const seen = SeenEvent.safeParse(await kvs.get<unknown>(key));
  // An older marker (`true`) or a done record: the event was applied.
  if (!seen.success || seen.data.state === 'done') return 'done';
  if (now - seen.data.at < CLAIM_TAKEOVER_MS) return 'in-progress';
  await kvs.set(key, { state: 'processing', at: now }, { ttl });
  return 'claimed';
}

export async function markEventDone(eventId: string, ttlMinutes: number, now: number): Promise<void> {
  await kvs.set(`seen-event:${eventId}`, { state: 'done', at: now }, { ttl: { value: ttlMinutes, unit: 'MINUTES' } });
}

/** Undo claimEventId when handling failed, so the sender's retry is not refused as a replay. */
export async function forgetEventId(eventId: string): Promise<void> {
  await kvs.delete(`seen-event:${eventId}`);
}

/**
 * Claim a one-time notice (e.g. the comment about an unreadable record): true the first time a
 * key is claimed, false afterwards, atomically (FAIL_IF_EXISTS) so two concurrent deliveries
 * post it once. The TTL bounds the storage; a notice may repeat after it.
 */
export async function claimNotice(key: string, ttlDays: number): Promise<boolean> {
  try {
    await kvs.set(`notice:${key}`, true, { keyPolicy: 'FAIL_IF_EXISTS', ttl: { value: ttlDays, unit: 'DAYS' } });
    return true;
  } catch (e) {
    if (e instanceof ForgeKvsAPIError && (e.code === 'KEY_CONFLICT' || e.responseDetails.status === 409)) return false;
    throw e;
  }
}

/**
 * Queued provision requests a status change cancelled (issue-updated.ts), by idempotency key. The
 * queued retry checks here as well as the issue property: anyone who may edit the issue can write
 * the property's `pending` back, which alone would revive a cancelled request. The TTL outlasts
 * the queue's redeliveries (up to 24 hours for a consumer that fails).
 */
const CANCELLED_PROVISION_DAYS = 2;
export async function cancelQueuedProvision(idempotencyKey: string): Promise<void> {
  await kvs.set(`cancelled-provision:${idempotencyKey}`, true, { ttl: { value: CANCELLED_PROVISION_DAYS, unit: 'DAYS' } });
}
export async function isQueuedProvisionCancelled(idempotencyKey: string): Promise<boolean> {
  return (await kvs.get<unknown>(`cancelled-provision:${idempotencyKey}`)) === true;
}

/**
 * Cached values (Jira's field list, the app's own fields) with their expiry stored IN the value:
 * KVS deletes an expired key lazily, up to 48 hours after its TTL, and reads may still return it
 * (https://developer.atlassian.com/platform/forge/storage-reference/kvs-api/), so the TTL only
 * bounds the storage used and the stored `expiresAt` decides freshness. A value may be at most
 * 240 KiB, so a large list is stored in parts under that size.
 */
const CACHE_PART_BYTES = 200 * 1024;
interface CacheHead {
  expiresAt: number;
  /** The value itself when it fits in one KVS value; else the number of parts. */
  value?: unknown;
  parts?: number;
}
const isHead = (v: unknown): v is CacheHead => typeof v === 'object' && v !== null && typeof (v as CacheHead).expiresAt === 'number';

export async function getCached<T>(key: string, now: number = Date.now()): Promise<T | undefined> {
  const head = await kvs.get<unknown>(`cache:${key}`);
  if (!isHead(head) || head.expiresAt <= now) return undefined;
  if (head.parts === undefined) return head.value as T;
  const parts = await Promise.all(Array.from({ length: head.parts }, (_, i) => kvs.get<unknown>(`cache:${key}:${i}`)));
  // A part missing or written by another save: treat the whole entry as absent.
  if (parts.some((p) => !Array.isArray(p))) return undefined;
  return (parts as unknown[][]).flat() as T;
}

export async function putCached<T>(key: string, value: T, ttlMinutes: number, now: number = Date.now()): Promise<void> {
  const expiresAt = now + ttlMinutes * 60_000;
  // The KVS TTL outlives our own expiry a little, so a stale read is never needed.
  const ttl = { value: ttlMinutes + 5, unit: 'MINUTES' as const };
  const size = Buffer.byteLength(JSON.stringify(value), 'utf8');
  if (!Array.isArray(value) || size <= CACHE_PART_BYTES) {
    await kvs.set(`cache:${key}`, { expiresAt, value }, { ttl });
    return;
  }
  const parts: unknown[][] = [];
  let current: unknown[] = [];
  let bytes = 2;
  for (const item of value as unknown[]) {
    const b = Buffer.byteLength(JSON.stringify(item), 'utf8') + 1;
    if (current.length > 0 && bytes + b > CACHE_PART_BYTES) {
      parts.push(current);
      current = [];
      bytes = 2;
    }
    current.push(item);
    bytes += b;
  }
  if (current.length > 0) parts.push(current);
  // Parts first, head last: a reader never sees a head whose parts are not written yet.
  for (const [i, part] of parts.entries()) await kvs.set(`cache:${key}:${i}`, part, { ttl });
  await kvs.set(`cache:${key}`, { expiresAt, parts: parts.length }, { ttl });
}

export async function dropCached(key: string): Promise<void> {
  try {
    await kvs.delete(`cache:${key}`);
  } catch (e) {
    // Already gone (or purged by its TTL): nothing to drop.
    if (!(e instanceof ForgeKvsAPIError && e.responseDetails.status === 404)) throw e;
  }
}

/**
 * The app's own record of which instance an issue's VM is (see src/domain/ownership.ts): kept in
 * app storage, which no Jira user can write, unlike the issue property.
 */
const vmOwnerKey = (issueKey: string): string => `vm-owner:${issueKey}`;

export async function loadVmOwner(issueKey: string): Promise<VmOwnerRecord | undefined> {
  const parsed = VmOwnerRecord.safeParse(await kvs.get<unknown>(vmOwnerKey(issueKey)));
  return parsed.success ? parsed.data : undefined;
}

export async function saveVmOwner(issueKey: string, record: VmOwnerRecord): Promise<void> {
  await kvs.set(vmOwnerKey(issueKey), record);
}

/**
 * Clients whose database the app has provisioned: known from then on even if the admin list
 * does not name them (src/domain/identity.ts, CLIENT_UNKNOWN).
 */
export async function isProvisionedClient(client: string): Promise<boolean> {
  return (await kvs.get<unknown>(`provisioned-client:${client}`)) === true;
}

export async function rememberProvisionedClient(client: string): Promise<void> {
  await kvs.set(`provisioned-client:${client}`, true);
}

/** The idle policy the VM API last accepted (admin save), so a save sends it only when it differs. */
export async function loadSentIdlePolicy(): Promise<unknown> {
  return kvs.get<unknown>('idle-policy-sent');
}

export async function saveSentIdlePolicy(policy: unknown): Promise<void> {
  await kvs.set('idle-policy-sent', policy);
}

/**
 * The connection test's round trip (admin page, Test connection). The app opens a test under an
 * unguessable nonce before asking the stack to send its test event; the web trigger may only
 * answer an open test (so nobody can create records through the public URL), with "verified" or
 * "refused" and why. Expiry is in the value as well as in the TTL: KVS may return an expired key
 * for up to 48 hours (https://developer.atlassian.com/platform/forge/storage-reference/kvs-api/).
 */
export const ConnectionTestRecord = z.object({
  state: z.enum(['open', 'verified', 'refused']),
  /** For `refused`: why the signature did not verify (src/domain/hmac.ts VerifyResult), or `no-secret`. */
  reason: z.string().optional(),
  openedAt: z.number(),
  expiresAt: z.number(),
});
export type ConnectionTestRecord = z.infer<typeof ConnectionTestRecord>;
const CONNECTION_TEST_MINUTES = 10;
const connectionTestKey = (nonce: string): string => `connection-test:${nonce}`;

export async function openConnectionTest(nonce: string, now: number): Promise<void> {
  const record: ConnectionTestRecord = { state: 'open', openedAt: now, expiresAt: now + CONNECTION_TEST_MINUTES * 60_000 };
  await kvs.set(connectionTestKey(nonce), record, { ttl: { value: CONNECTION_TEST_MINUTES + 5, unit: 'MINUTES' } });
}

export async function readConnectionTest(nonce: string, now: number): Promise<ConnectionTestRecord | undefined> {
  const parsed = ConnectionTestRecord.safeParse(await kvs.get<unknown>(connectionTestKey(nonce)));
  return parsed.success && parsed.data.expiresAt > now ? parsed.data : undefined;
}

/** The web trigger's verdict on an open test; false (nothing written) when no such test is open. */
export async function answerConnectionTest(nonce: string, verdict: { state: 'verified' } | { state: 'refused'; reason: string }, now: number): Promise<boolean> {
  const open = await readConnectionTest(nonce, now);
  if (!open || open.state !== 'open') return false;
  await kvs.set(connectionTestKey(nonce), { ...open, ...verdict }, { ttl: { value: CONNECTION_TEST_MINUTES + 5, unit: 'MINUTES' } });
  return true;
}

/** When the last connection test's signed event arrived and verified (the checklist's proof that the stack has the URL and the secret). */
const ROUND_TRIP_KEY = 'connection-round-trip:v1';
const RoundTrip = z.object({ at: z.string() });
export async function loadRoundTrip(): Promise<{ at: string } | undefined> {
  const parsed = RoundTrip.safeParse(await kvs.get<unknown>(ROUND_TRIP_KEY));
  return parsed.success ? parsed.data : undefined;
}
export async function saveRoundTrip(at: string): Promise<void> {
  await kvs.set(ROUND_TRIP_KEY, { at });
}
export async function forgetRoundTrip(): Promise<void> {
  try {
    await kvs.delete(ROUND_TRIP_KEY);
  } catch (e) {
    if (!(e instanceof ForgeKvsAPIError && e.responseDetails.status === 404)) throw e;
  }
}
