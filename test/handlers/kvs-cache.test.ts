import { kvs } from '@forge/kvs';
import { R, Resolvers, resultOf, type ResolverName, type ResolverResult } from '../../src/contract/resolvers';
import { adminResolver } from '../../src/handlers/admin-resolvers';
import { defaultVmService } from '../../src/handlers/vm-service';
import { DEFAULT_SETTINGS } from '../../src/contract/settings';
import { KVS_MAX_PURGE_DELAY_MS, type ForgeStandIn, type ResolverHandler } from '../../local/forge-runtime';
import { PEOPLE, site } from '../../local/site-fixtures';

/**
 * Issue 12 items 3 and 4: KVS deletes expired keys lazily (reads may return them for up to 48 h)
 * and refuses values over 240 KiB. The caches must decide freshness themselves and fit.
 */
process.env.DEV_VM_SILENT_LOGS = '1';
const T0 = Date.parse('2026-11-26T09:00:00Z');
let clock = T0;
let forge: ForgeStandIn;
beforeEach(() => {
  clock = T0;
  jest.spyOn(Date, 'now').mockImplementation(() => clock);
  forge = site();
  forge.kvs.purgeDelayMs = () => KVS_MAX_PURGE_DELAY_MS - 1;
});
afterEach(() => {
  expect(forge.violations()).toEqual([]);
  forge.uninstall();
  jest.restoreAllMocks();
});

async function call<N extends ResolverName>(name: N, payload: unknown = {}): Promise<ResolverResult<N>> {
  const raw = await forge.invokeResolver(adminResolver as unknown as ResolverHandler, name, payload, { accountId: PEOPLE.admin });
  return resultOf(Resolvers[name].result).parse(raw) as ResolverResult<N>;
}
const listed = async () => {
  const res = await call(R.adminListFields);
  if (!res.ok) throw new Error(`admin.listFields failed: ${JSON.stringify(res.error)}`);
  return res.data.fields.map((f) => f.id);
};

describe('the KVS stand-in', () => {
  it('still returns an expired key until its lazy purge, as the platform may', async () => {
    await kvs.set('k', 1, { ttl: { value: 1, unit: 'MINUTES' } });
    clock = T0 + 2 * 60_000;
    expect(await kvs.get('k')).toBe(1);
    clock = T0 + 60_000 + KVS_MAX_PURGE_DELAY_MS;
    expect(await kvs.get('k')).toBeUndefined();
  });

  it('refuses a value over 240 KiB', async () => {
    await expect(kvs.set('big', 'x'.repeat(240 * 1024))).rejects.toMatchObject({ code: 'VALUE_TOO_LARGE' });
  });
});

describe('field-list cache (10 minutes)', () => {
  it('shows a field created after the cache was filled once 10 minutes have passed, although KVS still returns the old value', async () => {
    const before = await listed();
    forge.jira.fields.push({ id: 'customfield_19999', name: 'Brand new field', custom: true });
    clock = T0 + 11 * 60_000;
    const after = await listed();
    expect(before).not.toContain('customfield_19999');
    expect(after).toContain('customfield_19999');
  });

  it('lists every field of a site with 3,000 custom fields (more than one KVS value holds), from the cache too', async () => {
    for (let i = 0; i < 3000; i++) forge.jira.fields.push({ id: `customfield_${20000 + i}`, name: `Customer-specific field number ${i} with a long descriptive name`, custom: true });
    const first = await listed();
    expect(first).toHaveLength(forge.jira.fields.length);
    const fieldCalls = () => forge.jira.calls.filter((c) => c.path === '/rest/api/3/field').length;
    const callsBefore = fieldCalls();
    const second = await listed();
    expect(second).toEqual(first);
    expect(fieldCalls()).toBe(callsBefore);
  });
});

describe('app-field cache (60 minutes)', () => {
  it('finds the app’s own field created after the lookup was cached once the hour has passed', async () => {
    const own = (key: string) => `ari:cloud:ecosystem::extension/6b1a3f52-8d0e-4c7a-9f3e-2d5b7c9e1a40/env-stand-in/static/${key}`;
    const { fieldMapping } = defaultVmService();
    const first = await forge.asInvocation(undefined, () => fieldMapping(DEFAULT_SETTINGS));
    expect(first.client).toBeUndefined();
    forge.jira.fields.push({ id: 'customfield_18000', name: 'Dev VM client', custom: true, schemaCustom: own('dev-vm-client') });
    clock = T0 + 61 * 60_000;
    const later = await forge.asInvocation(undefined, () => fieldMapping(DEFAULT_SETTINGS));
    expect(later.client).toBe('customfield_18000');
  });
});
