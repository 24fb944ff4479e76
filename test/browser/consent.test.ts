import { adminResolver, panelResolver } from '../../src/index';
import type { ForgeStandIn } from '../../local/forge-runtime';
import { PEOPLE, site } from '../../local/site-fixtures';
import { seriousA11yViolations, snapshot } from '../../local/browser/browser';
import { startRig, type Rig } from '../../local/browser/harness';

/**
 * Issue 12 item 1: on a fresh install nobody has granted the app access. A user opening the
 * settings page or the issue panel must get Forge's "Allow access" screen (the platform shows it
 * when the resolver lets NeedsAuthenticationError out), not the app's "Something went wrong",
 * and after allowing access the page works.
 */
process.env.DEV_VM_SILENT_LOGS = '1';
jest.setTimeout(180_000);

let forge: ForgeStandIn | undefined;
afterEach(() => {
  forge?.uninstall();
  forge = undefined;
});

const cases = [
  { page: 'admin' as const, resolver: adminResolver, viewer: { accountId: PEOPLE.admin, timezone: 'Europe/London' }, ready: 'checklist' },
  { page: 'issue-panel' as const, resolver: panelResolver, viewer: { accountId: PEOPLE.assignee, timezone: 'Europe/London', issueKey: 'OPS-42', issueId: '10042' }, ready: 'panel' },
];

describe.each(cases)('$page', ({ page: pageName, resolver, viewer, ready }) => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig(
      pageName,
      (call, v) => {
        if (!forge) throw new Error('no Forge stand-in installed for this test');
        return forge.invokeResolver(resolver, call.functionKey, call.payload, { accountId: v.accountId, ...(v.issueKey ? { issueKey: v.issueKey, issueId: v.issueId } : {}) });
      },
      viewer,
      { consent: (v) => forge?.grantConsent(v.accountId) },
    );
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('a user who has not consented gets the "Allow access" screen, and the page works once access is allowed', async () => {
    forge = site();
    forge.requireConsent([]);
    const { page } = await rig.open();

    await page.getByTestId('host-consent').waitFor({ state: 'visible', timeout: 15_000 });
    await snapshot(page, `${pageName}-consent`);
    expect(await page.getByText('Something went wrong').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Allow access' }).isVisible()).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Allow access' }).click();
    await page.getByTestId(ready).waitFor({ state: 'visible', timeout: 15_000 });
    expect(await page.getByTestId('host-consent').count()).toBe(0);
    expect(await page.getByText('Something went wrong').count()).toBe(0);
    expect(forge.violations()).toEqual([]);
  });
});
