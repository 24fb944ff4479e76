import { NeedsAuthenticationError, asUser, route } from '@forge/api';
import { R } from '../../src/contract/resolvers';
import { adminResolver } from '../../src/handlers/admin-resolvers';
import { panelResolver } from '../../src/handlers/panel-resolvers';
import type { ForgeStandIn, ResolverHandler } from '../../local/forge-runtime';
import { PEOPLE, site } from '../../local/site-fixtures';

/**
 * Item 1 of issue 12: a user who has not granted the app access gets Forge's "Allow access"
 * screen, which the platform shows only when NeedsAuthenticationError leaves the resolver.
 */
process.env.DEV_VM_SILENT_LOGS = '1';

let forge: ForgeStandIn;
beforeEach(() => {
  forge = site();
  forge.requireConsent([]);
});
afterEach(() => {
  expect(forge.violations()).toEqual([]);
  forge.uninstall();
});

describe('the Forge stand-in models user consent', () => {
  it('answers an asUser call of a user who has not consented with NEEDS_AUTHENTICATION_ERR, which @forge/api throws', async () => {
    const call = forge.asInvocation(PEOPLE.admin, () => asUser().requestJira(route`/rest/api/3/mypermissions?permissions=${'ADMINISTER'}`));
    await expect(call).rejects.toBeInstanceOf(NeedsAuthenticationError);
    expect(forge.jira.calls).toEqual([]);
  });

  it('lets the call through once the user allowed access', async () => {
    forge.grantConsent(PEOPLE.admin);
    const res = await forge.asInvocation(PEOPLE.admin, () => asUser().requestJira(route`/rest/api/3/mypermissions?permissions=${'ADMINISTER'}`));
    expect(res.status).toBe(200);
  });
});

describe('resolvers let platform errors propagate', () => {
  it('admin.get rejects with NeedsAuthenticationError for the admin on a fresh install (no INTERNAL envelope)', async () => {
    const run = forge.invokeResolver(adminResolver as unknown as ResolverHandler, R.adminGet, {}, { accountId: PEOPLE.admin });
    await expect(run).rejects.toMatchObject({ name: 'NEEDS_AUTHENTICATION_ERR' });
  });

  it('panel.get rejects with NeedsAuthenticationError for a user who has not consented', async () => {
    const run = forge.invokeResolver(panelResolver as unknown as ResolverHandler, R.panelGet, {}, { accountId: PEOPLE.assignee, issueKey: 'OPS-42' });
    await expect(run).rejects.toMatchObject({ name: 'NEEDS_AUTHENTICATION_ERR' });
  });

  it('after consent the same resolver answers normally', async () => {
    forge.grantConsent(PEOPLE.admin);
    const res = await forge.invokeResolver(adminResolver as unknown as ResolverHandler, R.adminGet, {}, { accountId: PEOPLE.admin });
    expect(res).toMatchObject({ ok: true });
  });
});
