import { R, Resolvers, resultOf } from '../../src/contract/resolvers';
import { adminResolver } from '../../src/handlers/admin-resolvers';
import { SUPPORTED_REGIONS, egressAddressFor } from '../../src/domain/egress';
import type { ForgeStandIn, ResolverHandler } from '../../local/forge-runtime';
import { startVmApiStandIn, type VmApiStandIn } from '../../local/vm-api-server';
import { PEOPLE, configure, site } from '../../local/site-fixtures';

/**
 * Issue 12 item 11: Forge's egress proxy refuses a URL the manifest does not list with a 403 that
 * carries none of AWS's headers or error body. Test connection must say so, not blame the keys.
 */
process.env.DEV_VM_SILENT_LOGS = '1';

let api: VmApiStandIn;
let forge: ForgeStandIn;
beforeAll(async () => {
  api = await startVmApiStandIn();
});
afterAll(() => api.close());
beforeEach(() => {
  api.reset();
  forge = site();
  configure(forge, api);
});
afterEach(() => {
  expect(forge.violations()).toEqual([]);
  forge.uninstall();
});

const testConnection = async () => resultOf(Resolvers[R.adminTestConnection].result).parse(await forge.invokeResolver(adminResolver as unknown as ResolverHandler, R.adminTestConnection, {}, { accountId: PEOPLE.admin }));

it('an API URL outside the manifest egress is reported as egress, naming manifest.yml, and nothing reaches the API', async () => {
  forge.restrictEgress(SUPPORTED_REGIONS.map(egressAddressFor));
  const res = await testConnection();
  expect(res).toMatchObject({ ok: true, data: { ok: false, reason: 'egress', status: 403 } });
  if (res.ok) expect(res.data.message).toMatch(/egress does not allow this URL: add .*manifest\.yml/);
  expect(api.calls).toEqual([]);
});

it('a wrong secret behind an allowed URL is still a signature error (AWS answered)', async () => {
  forge.restrictEgress(['127.0.0.1']);
  forge.kvs.secrets.set('secret:aws-secret-access-key', { value: 'x'.repeat(40), createdAt: 0, updatedAt: 0 });
  const res = await testConnection();
  expect(res).toMatchObject({ ok: true, data: { ok: false, reason: 'signature', status: 403 } });
});
