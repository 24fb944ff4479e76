import type { Page } from 'playwright-core';
import { adminResolver, onLifecycleEvent } from '../../src/index';
import { startWebTriggerServer, type WebTriggerServer } from '../../local/webtrigger-server';
import type { ForgeStandIn } from '../../local/forge-runtime';
import { startVmApiStandIn, type VmApiStandIn } from '../../local/vm-api-server';
import { FIELD, HMAC_SECRET, PEOPLE, STATUS, configure, site } from '../../local/site-fixtures';
import { seriousA11yViolations, snapshot } from '../../local/browser/browser';
import type { AdminView } from '../../src/contract/resolvers';
import { formatInstant } from '../../static/src/shared/format';
import { focusIsVisible, startRig, tabTo, type Rig } from '../../local/browser/harness';

/** The admin page in Chromium against the REAL admin resolvers and the KVS/Jira/VM API stand-ins. */
process.env.DEV_VM_SILENT_LOGS = '1';
jest.setTimeout(180_000);

let api: VmApiStandIn;
let forge: ForgeStandIn | undefined;
let rig: Rig;

beforeAll(async () => {
  api = await startVmApiStandIn();
  rig = await startRig(
    'admin',
    (call, viewer) => {
      if (!forge) throw new Error('no Forge stand-in installed for this test');
      return forge.invokeResolver(adminResolver, call.functionKey, call.payload, { accountId: viewer.accountId });
    },
    { accountId: PEOPLE.admin, timezone: 'Europe/London' },
  );
});
afterAll(async () => {
  await rig?.close();
  await api?.close();
});
beforeEach(() => {
  api.reset();
  rig.server.calls.length = 0;
  rig.pageErrors.length = 0;
  rig.viewer = { accountId: PEOPLE.admin, timezone: 'Europe/London' };
});
let trigger: WebTriggerServer | undefined;
afterEach(async () => {
  await trigger?.close();
  trigger = undefined;
  // Served under Forge's content policy: a blocked style or script would show here.
  expect(rig.pageErrors.filter((e) => /Content Security Policy|uncaught/.test(e))).toEqual([]);
  if (forge) {
    expect(forge.violations()).toEqual([]);
    forge.uninstall();
    forge = undefined;
  }
});

const text = async (page: Page, testId: string) => ((await page.getByTestId(testId).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
async function accessible(page: Page, state: string) {
  await snapshot(page, `admin-${state}`);
  expect({ state, violations: await seriousA11yViolations(page) }).toEqual({ state, violations: [] });
}
async function choose(page: Page, selectId: string, optionText: string) {
  await page.locator(`#${selectId}-input`).click();
  await page.locator(`#${selectId}-input`).fill(optionText);
  await page.keyboard.press('Enter');
}
/** The allowed-type options a search shows, as labelled; the menu is closed again and nothing chosen. */
async function typeOptions(page: Page, search: string): Promise<string[]> {
  const input = page.locator('#policy-instanceTypes-input');
  await input.click();
  await input.fill(search);
  const options = page.getByTestId('policy-instanceTypes-row').getByRole('option');
  await options.first().waitFor();
  const labels = (await options.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
  await input.fill('');
  await page.keyboard.press('Escape');
  return labels;
}
const checklist = (page: Page) =>
  page.$$eval('[data-testid="checklist"] li', (items) => items.map((li) => ({ label: (li.textContent ?? '').replace(/ \((done|still to do)\)$/, '').replace(/^[✓○]/, ''), done: li.getAttribute('data-done') === 'true' })));

describe('the admin page in a real browser', () => {
  it('walks a first-run admin through the checklist: validation in place, a save that says what changed, secrets never echoed', async () => {
    forge = site();
    rig.viewer = { ...rig.viewer, timezone: 'Asia/Kolkata' };
    const { page } = await rig.open();
    await page.getByTestId('checklist').waitFor();
    const before = await checklist(page);
    expect(before.find((c) => c.label.startsWith('API URL'))?.done).toBe(false);
    // Nothing is done on a fresh site: the app reading its own URL proves nothing about the stack.
    expect(before.filter((c) => c.done).map((c) => c.label)).toEqual([]);
    expect(await text(page, 'webtrigger-url')).toBe(forge.webtriggerUrl);
    await accessible(page, 'first-run');

    // Inline validation: every problem shown next to its field; nothing is sent.
    await page.getByTestId('apiUrl').fill('ftp://example');
    await page.getByTestId('region').fill('Europe');
    await page.getByTestId('accessKeyId').fill('not-a-key');
    const idleDays = await page.getByTestId('idleDays').inputValue();
    await page.getByTestId('idleDays').fill('1');
    await page.getByTestId('save').click();
    await page.getByTestId('save-invalid').waitFor();
    const errors = await page.getByTestId('field-error').allTextContents();
    expect(errors).toEqual(expect.arrayContaining(['must start with https://', 'must be an AWS region such as "eu-west-1"', 'must be an AWS access key id (AKIA…)', 'at least 3']));
    // zod's wording and dotted paths never reach the page.
    expect(errors.join(' ')).not.toMatch(/Too small|expected number|policy\./);
    expect(await page.getByTestId('region').getAttribute('aria-invalid')).toBe('true');
    expect(rig.invokes('admin.save')).toHaveLength(0);
    expect(await page.getByTestId('flag').count()).toBeGreaterThan(0);
    await accessible(page, 'invalid');

    // While the Region is not one the table knows ("Europe", typed above), the allowed types are priced in us-east-1, and each label says so.
    expect(await typeOptions(page, 'm5.large')).toEqual(['m5.large ($0.0960/h) (us-east-1)']);
    expect(await text(page, 'policy-instanceTypes-row')).toContain('t3.large ($0.0832/h) (us-east-1)'); // an allowed type's chip
    expect(await text(page, 'policy-instanceTypes-row')).toContain('On-demand Linux per hour in us-east-1: the table has no prices for Europe.');

    // A complete first configuration.
    await page.getByTestId('idleDays').fill(idleDays);
    await page.getByTestId('apiUrl').fill(api.url);
    await page.getByTestId('region').fill(api.region);
    // The stack's region prices the list (eu-west-1: an unverified row of the table, and the page says so).
    expect(api.region).toBe('eu-west-1');
    expect(await typeOptions(page, 'm5.large')).toEqual(['m5.large ($0.1070/h)']);
    expect(await text(page, 'policy-instanceTypes-row')).toContain('t3.large ($0.0912/h)');
    expect(await text(page, 'policy-instanceTypes-row')).not.toContain('us-east-1');
    expect(await text(page, 'policy-instanceTypes-row')).toContain('On-demand Linux per hour in eu-west-1 (price table of 2026-11-30, an estimate not yet checked against AWS).');
    await page.getByTestId('accessKeyId').fill(api.credentials.accessKeyId);
    await page.getByTestId('secretAccessKey').fill(api.credentials.secretAccessKey);
    await page.getByTestId('hmacSecret').fill(HMAC_SECRET);
    await choose(page, 'statuses-provision', 'Ready');
    await choose(page, 'field-client', 'Client');
    await choose(page, 'field-developer', 'Developer');
    await choose(page, 'field-instanceType', 'Instance type');
    await choose(page, 'comments-scheduledStartStop', 'Update the panel only');
    expect(await text(page, 'field-instanceType-row')).toContain('Expected: a select list or text');
    await page.getByTestId('save').click();
    await page.getByText('Saved', { exact: true }).waitFor();
    const saved = await text(page, 'save-result');
    expect(saved).toBe(
      'SavedChanged: API URL, Daily scheduled starts and stops, Client field, Developer field, Instance type field, Region, Provisioning statuses, Access key id, Secret access key, Lifecycle events signing secret.',
    );
    await page.getByTestId('flag').waitFor({ state: 'detached' }); // the stale "not saved" flag goes
    expect((await checklist(page)).filter((c) => !c.done).map((c) => c.label)).toEqual(['Lifecycle events URL given to the stack (run Test connection to check)']);
    expect(forge.kvs.get('settings:v1')).toMatchObject({ comments: { scheduledStartStop: 'silent' } });

    // Stored where they belong, and never sent back to the page.
    expect(forge.kvs.getSecret('secret:aws-secret-access-key')).toBe(api.credentials.secretAccessKey);
    const html = await page.content();
    expect(html).not.toContain(api.credentials.secretAccessKey);
    expect(html).not.toContain(HMAC_SECRET);
    expect(html).not.toContain(api.credentials.accessKeyId);
    expect(await page.getByTestId('secretAccessKey').inputValue()).toBe('');
    expect(await page.getByTestId('accessKeyId').getAttribute('placeholder')).toBe(`Saved: ${api.credentials.accessKeyId.slice(0, 4)}${'•'.repeat(12)}${api.credentials.accessKeyId.slice(-4)}`);
    await accessible(page, 'saved');

    // Test connection, by keyboard, against the stand-in: connected both ways (the stack has the
    // URL of this site's web trigger and the secret just saved), and the checklist is complete.
    trigger = await startWebTriggerServer(forge, onLifecycleEvent);
    api.lifecycle.url = trigger.url;
    api.lifecycle.secret = HMAC_SECRET;
    await tabTo(page, 'test-connection');
    expect(await focusIsVisible(page)).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByText('Connected', { exact: true }).waitFor();
    expect(await text(page, 'test-result')).toContain(`in ${api.region}`);
    expect(await text(page, 'test-events')).toBe('A signed test event from the stack arrived at the Lifecycle events URL and verified.');
    expect((await checklist(page)).every((c) => c.done)).toBe(true);
    // The round trip's instant in the viewer's Jira zone (Asia/Kolkata, not the browser's New York), worded like the panel's times.
    const adminView = await forge.invokeResolver(adminResolver, 'admin.get', {}, { accountId: PEOPLE.admin });
    const verifiedAt = (adminView as { ok: true; data: AdminView }).data.checklist.find((c) => c.id === 'webtrigger')?.verifiedAt ?? '';
    expect(verifiedAt).not.toBe('');
    expect((await checklist(page)).find((c) => c.label.startsWith('Lifecycle events URL'))?.label).toBe(
      `Lifecycle events URL given to the stack (test event arrived and verified ${formatInstant(verifiedAt, 'Asia/Kolkata')}, Asia/Kolkata)`,
    );
    expect(await text(page, 'checklist-verified')).toMatch(/^\(test event arrived and verified [A-Z][a-z]{2},? \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}, Asia\/Kolkata\)$/);
  });

  it('names each way the lifecycle events round trip fails, and what to do', async () => {
    forge = site();
    configure(forge, api);
    trigger = await startWebTriggerServer(forge, onLifecycleEvent);
    const { page } = await rig.open();
    const run = async (title: string) => {
      await page.getByTestId('test-connection').click();
      await page.getByTestId('test-result').getByText(title, { exact: true }).waitFor();
      return text(page, 'test-result');
    };

    // Arrived, signed with another secret than the one saved in the app.
    api.lifecycle.url = trigger.url;
    api.lifecycle.secret = 'another-secret-0123456789abcdef0123456789';
    const wrong = await run('Connected to the VM API, but lifecycle events are signed with another secret');
    expect(wrong).toContain('A test event from the stack arrived, but its signature did not verify: it was signed with a different secret than the one saved here.');
    expect(wrong).toContain('Copy the value of the secret named by the stack output HmacSecretName into “Lifecycle events signing secret” above');
    await accessible(page, 'test-wrong-secret');

    // Not arrived: the stack's URL has no web trigger behind it.
    api.lifecycle.url = trigger.missingUrl;
    api.lifecycle.secret = HMAC_SECRET;
    const missing = await run('Connected to the VM API, but lifecycle events do not arrive');
    expect(missing).toContain('The test event did not arrive: the URL the stack has answered HTTP 404 (no web trigger there: not deployed, or a wrong URL).');
    expect(missing).toContain('Give the stack the Lifecycle events URL shown above');
    expect(missing.match(/HTTP 404/g)).toHaveLength(1);

    // Not arrived: the stack has no URL at all yet.
    api.lifecycle.url = 'not-configured';
    expect(await run('Connected to the VM API, but lifecycle events do not arrive')).toContain('The test event was not sent: the stack has no Lifecycle events URL yet.');

    // The stack itself is not reachable (every call fails): no round trip is attempted.
    api.mode = 'down';
    const down = await run('Connection failed: the API answered with an error');
    expect(down).not.toContain('test event');
    expect((await checklist(page)).find((c) => c.label.startsWith('Lifecycle events URL'))?.done).toBe(false);
  });

  it('maps developers to Jira users picked by search, lists every map problem at once, and saves the map', async () => {
    forge = site();
    const { page } = await rig.open();
    await page.getByTestId('identity-table').waitFor();
    expect(await text(page, 'identity-table')).toContain('No developer mapped yet');

    for (const name of ['Jo', 'Otto']) {
      await page.getByTestId('identity-search').fill(name);
      await page.getByTestId('identity-search-button').click();
      await page.getByTestId('identity-results').waitFor();
      await page.getByTestId('identity-results').getByRole('button').first().click();
    }
    expect(rig.invokes('admin.searchUsers')).toHaveLength(2);
    // Both given the same developer name, and a system account name would be refused too.
    await page.getByTestId('identity-0-developer').fill('jdoe');
    await page.getByTestId('identity-0-clients').fill('acme-corp, globex');
    await page.getByTestId('identity-1-developer').fill('jdoe');
    await page.getByTestId('identity-1-clients').fill('any');
    await page.getByTestId('save').click();
    await page.getByTestId('save-invalid').waitFor();
    expect(await page.getByTestId('field-error').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('developer name "jdoe" is already mapped in row 1')]));
    expect(rig.invokes('admin.save')).toHaveLength(0);
    await accessible(page, 'identity-invalid');

    await page.getByTestId('identity-1-developer').fill('root');
    await page.getByTestId('save').click();
    await page.getByTestId('save-invalid').waitFor();
    expect(await page.getByTestId('field-error').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('system account')]));

    await page.getByTestId('identity-1-developer').fill('otto');
    await page.getByTestId('identity-knownClients').fill('acme-corp, globex');
    await page.getByTestId('save').click();
    await page.getByText('Saved', { exact: true }).waitFor();
    expect(await text(page, 'save-result')).toContain('Developers and their Jira users and clients');
    expect(forge.kvs.get('settings:v1')).toMatchObject({
      identity: {
        developers: [
          { developer: 'jdoe', accountId: PEOPLE.assignee, displayName: 'Jo Doe', clients: ['acme-corp', 'globex'] },
          { developer: 'otto', accountId: PEOPLE.other, displayName: 'Otto Other', clients: 'any' },
        ],
        knownClients: ['acme-corp', 'globex'],
        allowNewClients: false,
      },
    });
  });

  it('edits the idle and stop rules; a save sends them to the AWS stack for the reconciler (issue 13)', async () => {
    forge = site();
    configure(forge, api);
    const { page } = await rig.open();
    await page.getByTestId('idle-idleStopMinutes').waitFor();
    expect(await page.getByTestId('idle-idleStopMinutes').inputValue()).toBe('60');

    // Bad value: named next to its field, nothing sent.
    await page.getByTestId('idle-idleStopMinutes').fill('5');
    await page.getByTestId('save').click();
    await page.getByTestId('save-invalid').waitFor();
    expect(await page.getByTestId('field-error').allTextContents()).toContain('use 0 (off) or at least 15 minutes');
    expect(api.policy).toBeUndefined();
    // Several bad rules at once: each says its bound with its unit, not "minutes: at most 1440".
    await page.getByTestId('idle-idleStopMinutes').fill('5000');
    await page.getByTestId('idle-cpuBusyPercent').fill('500');
    await page.getByTestId('idle-idleWarningDays').fill('50');
    await page.getByTestId('save').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="field-error"]').length >= 3);
    const bounds = await page.getByTestId('field-error').allTextContents();
    expect(bounds).toEqual(expect.arrayContaining(['at most 1440 minutes', 'at most 100 %', 'at most 30 days']));
    expect(bounds.join(' ')).not.toMatch(/(minutes|days|percent): at/);
    expect(api.policy).toBeUndefined();
    await page.getByTestId('idle-cpuBusyPercent').fill('10');
    await page.getByTestId('idle-idleWarningDays').fill('3');

    await page.getByTestId('idle-idleStopMinutes').fill('45');
    await page.getByTestId('idle-stopDeferMaxMinutes').fill('120');
    await page.getByLabel(/Comment on the issue when a scheduled stop is deferred/).check();
    await page.getByTestId('save').click();
    await page.getByText('Saved', { exact: true }).waitFor();
    expect(await text(page, 'save-result')).toBe('SavedChanged: Comment on deferred stops, Idle stop minutes, Busy stop deferral maximum.');
    expect(api.policy).toEqual({ idleDays: 30, idleWarningDays: 3, idleStopMinutes: 45, cpuBusyPercent: 10, cpuBusyMinutes: 15, stopDeferStepMinutes: 30, stopDeferMaxMinutes: 120 });
    expect(forge.kvs.get('settings:v1')).toMatchObject({ idle: { idleStopMinutes: 45, stopDeferMaxMinutes: 120 }, comments: { deferredStop: 'comment' } });
    await accessible(page, 'idle-rules-saved');
  });

  it('explains why a connection test fails and what to check', async () => {
    forge = site();
    configure(forge, api);
    // A wrong secret key: the function URL rejects the signature.
    forge.kvs.secrets.set('secret:aws-secret-access-key', { value: 'x'.repeat(40), createdAt: Date.now(), updatedAt: Date.now() });
    const { page } = await rig.open();
    await page.getByTestId('test-connection').click();
    await page.getByText(/^Connection failed/).waitFor();
    const result = await text(page, 'test-result');
    expect(result).toContain('Connection failed: AWS refused the request signature');
    // A cause in words, never the internal reason code in brackets.
    expect(result).not.toMatch(/\((signature|http|network|dns|timeout)\)/);
    expect(result.match(/HTTP 403/g)).toHaveLength(1);
    expect(result).toContain('Check the access key id, the secret access key and the region.');
    await accessible(page, 'test-failed');

    // Settings the site already has show as chosen, by name once the site's lists have arrived.
    await page.getByTestId('statuses-provision-row').getByText('Ready — category: In Progress').waitFor();
    await page.getByTestId('field-client-row').getByText(`Client — string (${FIELD.client})`).waitFor();
    expect(await text(page, 'statuses-provision-row')).not.toContain(STATUS.ready);
  });

  it('shows every problem the server finds in one save next to its input, by label, never as a setting path', async () => {
    forge = site();
    configure(forge, api);
    const { page } = await rig.open();
    await page.getByTestId('statuses-stop-row').getByText('Parked — category: In Progress').waitFor();
    // Two problems only the server can see: the URL's region against the region, a status in two lists.
    await page.getByTestId('apiUrl').fill('https://abc123.lambda-url.eu-west-1.on.aws/');
    await page.getByTestId('region').fill('us-east-1');
    await choose(page, 'statuses-stop', 'Ready');
    await page.getByTestId('save').click();
    await page.getByTestId('save-failure').waitFor();
    const failure = await text(page, 'save-failure');
    expect(failure).toContain('Region: must be eu-west-1, the region in the API URL');
    expect(failure).toContain('Stopping statuses: status 10001 is already in Provisioning statuses (a status can mean only one thing)');
    expect(await text(page, 'save-invalid')).toBe(
      'Some values need fixing before savingRegion: must be eu-west-1, the region in the API URL' +
        'Stopping statuses: status 10001 is already in Provisioning statuses (a status can mean only one thing)',
    );
    expect(await page.getByTestId('region').getAttribute('aria-invalid')).toBe('true');
    expect(await text(page, 'statuses-stop-row')).toContain('status 10001 is already in Provisioning statuses');
    const shown = [failure, await text(page, 'save-invalid'), ...(await page.getByTestId('flag').allTextContents())].join(' ');
    expect(shown).not.toMatch(/\b(settings|policy|statuses|identity|secrets)\.\w|Too small|expected/);
    expect(forge.kvs.get('settings:v1')).toMatchObject({ region: 'eu-west-1' });
  });

  it('tells a viewer who is not a Jira administrator why the page is closed to them', async () => {
    forge = site();
    rig.viewer = { accountId: PEOPLE.other, timezone: 'Europe/London' };
    const { page } = await rig.open();
    await page.getByTestId('load-failure').waitFor();
    const t = await text(page, 'load-failure');
    expect(t).toContain('Only Jira administrators can view or change the Dev VM settings.');
    expect(t).toContain('Ask one of them');
    await accessible(page, 'forbidden');
  });

  it('says that the stored settings cannot be read, and what, instead of silently showing the defaults', async () => {
    forge = site();
    const t = Date.now();
    forge.kvs.values.set('settings:v1', { value: { ...JSON.parse(JSON.stringify(configure(forge, api))), version: 2 }, createdAt: t, updatedAt: t });
    const { page } = await rig.open();
    await page.getByTestId('settings-unreadable').waitFor();
    const shown = await text(page, 'settings-unreadable');
    expect(shown).toContain('The stored settings cannot be read');
    expect(shown).toContain('they were saved by a newer version of the app (version 2)');
    expect(shown).toContain('save to replace the stored settings');
    await accessible(page, 'settings-unreadable');
  });

  it('fits a 380 px viewport: the developers table scrolls inside its region, never the page', async () => {
    forge = site();
    configure(forge, api);
    const { page } = await rig.open({ theme: 'dark' });
    await page.setViewportSize({ width: 380, height: 900 });
    await page.getByTestId('identity-table').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    const box = await page.getByTestId('identity-table-scroll').boundingBox();
    expect(Math.round((box?.x ?? 0) + (box?.width ?? 9e9))).toBeLessThanOrEqual(380);
    // Each checklist mark stays on the first line of its item, beside the label, not above it.
    const marks = await page.getByTestId('checklist').locator('li').evaluateAll((lis) =>
      lis.map((li) => {
        const mark = li.querySelector('[data-testid="checklist-mark"]')?.getBoundingClientRect();
        const label = li.lastElementChild?.getBoundingClientRect();
        return { sameLine: !!mark && !!label && Math.abs(mark.top - label.top) < 4 && mark.right <= label.left };
      }),
    );
    expect(marks.length).toBeGreaterThan(5);
    expect(marks.filter((m) => !m.sameLine)).toEqual([]);
    await accessible(page, 'narrow-380');
  });

  it('keeps its look and contrast in the dark theme', async () => {
    forge = site();
    configure(forge, api);
    const { page } = await rig.open({ theme: 'dark' });
    await page.getByTestId('checklist').waitFor();
    await page.waitForFunction(() => document.documentElement.getAttribute('data-color-mode') === 'dark');
    await accessible(page, 'dark');
  });
});
