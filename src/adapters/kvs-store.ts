import { kvs, ForgeKvsAPIError } from '@forge/kvs';
import { DEFAULT_SETTINGS, Settings, type SecretsInput } from '../contract/settings';
import { VmOwnerRecord } from '../domain/ownership';

/**
 * Per-installation storage behind typed keys. Settings are plain KVS values; the AWS key pair
 * and the web trigger's HMAC secret go through kvs.setSecret/getSecret (encrypted, and never
 * returned by any resolver: pages see only whether each is set).
 */

const SETTINGS_KEY = 'settings:v1';
const SECRET_KEYS = { accessKeyId: 'secret:aws-access-key-id', secretAccessKey: 'secret:aws-secret-access-key', hmacSecret: 'secret:webtrigger-hmac' } as const;
export type SecretName = keyof typeof SECRET_KEYS;
export type Secrets = Partial<Record<SecretName, string>>;

export async function loadSettings(): Promise<Settings> {
  const raw = await kvs.get<unknown>(SETTINGS_KEY);
  if (raw === undefined) return DEFAULT_SETTINGS;
  const parsed = Settings.safeParse(raw);
  // A stored value that no longer parses (an older shape) is treated as unset rather than
  // crashing every trigger; the admin page shows the defaults and saving fixes it.
  return parsed.success ? parsed.data : DEFAULT_SETTINGS;
}

export async function saveSettings(settings: Settings): Promise<void> {
  await kvs.set(SETTINGS_KEY, settings);
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
 * Record a lifecycle event id atomically (FAIL_IF_EXISTS). Returns false when the id was seen
 * before. The TTL outlives the signature's freshness window, after which a replay fails the
 * timestamp check anyway, so the store stays bounded.
 */
export async function rememberEventId(eventId: string, ttlMinutes: number): Promise<boolean> {
  try {
    await kvs.set(`seen-event:${eventId}`, true, { keyPolicy: 'FAIL_IF_EXISTS', ttl: { value: ttlMinutes, unit: 'MINUTES' } });
    return true;
  } catch (e) {
    if (e instanceof ForgeKvsAPIError && (e.code === 'KEY_CONFLICT' || e.responseDetails.status === 409)) return false;
    throw e;
  }
}

/** Undo rememberEventId when handling failed, so the sender's retry is not refused as a replay. */
export async function forgetEventId(eventId: string): Promise<void> {
  await kvs.delete(`seen-event:${eventId}`);
}

/** Small cached values (e.g. Jira's field list) with an expiry handled by KVS itself. */
export async function getCached<T>(key: string): Promise<T | undefined> {
  return kvs.get<T>(`cache:${key}`);
}

export async function putCached<T>(key: string, value: T, ttlMinutes: number): Promise<void> {
  await kvs.set(`cache:${key}`, value, { ttl: { value: ttlMinutes, unit: 'MINUTES' } });
}

export async function dropCached(key: string): Promise<void> {
  await kvs.delete(`cache:${key}`);
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
