import { adminResolver } from '../../src/index';
import type { ForgeStandIn } from '../../local/forge-runtime';
import { PEOPLE, site } from '../../local/site-fixtures';
import { seriousA11yViolations, snapshot } from './support/browser';
import { startRig, type Rig } from './support/harness';

/**
 * Issue 12 item 1: on a fresh install nobody has granted the app access. The admin opening the
 * settings page must get Forge's "Allow access" screen (the platform shows it when the resolver
 * lets NeedsAuthenticationError out), not the app's "Something went wrong", and after allowing
 * access the page works.
 */
process.env.DEV_VM_SILENT_LOGS = '1';
jest.setTimeout(180_000);

let forge: ForgeStandIn | undefined;
let rig: Rig;

beforeAll(async () => {
  rig = await startRig(
    'admin',
    (call, viewer) => {
      if (!forge) throw new Error('no Forge stand-in installed for this test');
      return forge.invokeResolver(adminResolver, call.functionKey, call.payload, { accountId: viewer.accountId });
    },
    { accountId: PEOPLE.admin, timezone: 'Europe/London' },
    { consent: (viewer) => forge?.grantConsent(viewer.accountId) },
  );
});
afterAll(async () => {
  await rig?.close();
  forge?.uninstall();
});

it('a user who has not consented gets the "Allow access" screen, and the page works once access is allowed', async () => {
  forge = site();
  forge.requireConsent([]);
  const { page } = await rig.open();

  const consent = page.getByTestId('host-consent');
  await consent.waitFor({ state: 'visible', timeout: 15_000 });
  await snapshot(page, 'admin-consent');
  expect(await page.getByText('Something went wrong').count()).toBe(0);
  expect(await page.getByRole('button', { name: 'Allow access' }).isVisible()).toBe(true);
  expect(await seriousA11yViolations(page)).toEqual([]);

  await page.getByRole('button', { name: 'Allow access' }).click();
  await page.getByTestId('checklist').waitFor({ state: 'visible', timeout: 15_000 });
  expect(await page.getByTestId('host-consent').count()).toBe(0);
  expect(await page.getByText('Something went wrong').count()).toBe(0);
  expect(forge.violations()).toEqual([]);
});
