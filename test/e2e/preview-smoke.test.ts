import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { ROOT } from '../../scripts/preview/build-pages';
import { startPreview, type Preview } from '../../scripts/preview/server';
import { launchChromium, seriousA11yViolations } from '../../local/browser/browser';

/**
 * `npm start`'s startup as a test: the preview on a free port, its page in Chromium, a click on
 * "Ready" (the real trigger provisions through the signed API), "Run scheduler at this time" (the
 * real reconciler and notifier), and the running comment on the page. Databases are switched off
 * here, so the page's "not reachable" path is covered too; the end-to-end test covers them.
 * Screenshots go to test-artifacts/preview/.
 */

const sfx = randomBytes(4).readUInt32BE(0).toString(36).padStart(7, 'x').slice(0, 7);
const ZONE = 'Europe/Berlin';
const hhmm = (t: number) => new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(t));
const SHOTS = join(ROOT, 'test-artifacts', 'preview');

let preview: Preview;
let browser: Browser;

beforeAll(async () => {
  process.env.DEV_VM_SILENT_LOGS = '1';
  mkdirSync(SHOTS, { recursive: true });
  const t = Date.now();
  preview = await startPreview({
    port: 0,
    dbSuffix: `smoke_${sfx}`,
    databases: false,
    transitionSeconds: 0,
    lambdaLogLevel: 'SILENT',
    request: { client: `s${sfx}-acme`, developer: `p${sfx}-jo`, instanceType: 't3.large', os: 'ubuntu-24.04', start: hhmm(t - 2 * 3600_000), stop: hhmm(t + 2 * 3600_000), timezone: ZONE, days: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] },
  });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await preview?.close();
});

describe('npm start preview', () => {
  it('serves the frame with the panel; Ready provisions, the scheduler run posts the first-boot notice, the ready signal the connection details; the admin page connects', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-GB', timezoneId: ZONE });
    const page = await context.newPage();
    await page.goto(`${preview.url}/`);
    await page.getByText('AWS: simulated AWS').waitFor();
    await page.getByText('PostgreSQL: not reachable, switched off').waitFor();
    const panel = page.frameLocator('#panel');
    await panel.locator('body').getByText(/Dev VM|VM/).first().waitFor();

    await page.getByTestId('transition-ready').click();
    await page.getByText(/moved In Progress → Ready/).waitFor();
    await page.locator('#comments').getByText(/Dev VM requested/).waitFor();
    await page.locator('#instances').getByText('JiraIssue=OPS-1', { exact: false }).waitFor();
    await page.screenshot({ path: join(SHOTS, '1-after-ready.png'), fullPage: true });

    await page.getByRole('button', { name: 'Run scheduler at this time' }).click();
    await page.locator('#comments').getByText(/finishing its first boot/).waitFor();
    await page.locator('#last-run').getByText(/Delivered to the web trigger: vm\.running \(200\)/).waitFor();
    await page.locator('#issue-status').getByText('Provisioned').waitFor();
    // The VM's user data ends: its ready tag → EventBridge → notifier → web trigger.
    await page.getByRole('button', { name: 'VM finishes its first boot' }).click();
    await page.locator('#comments').getByText(/Your dev VM is ready/).waitFor();
    await page.screenshot({ path: join(SHOTS, '2-after-scheduler.png'), fullPage: true });

    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByRole('tab', { name: /admin page/ }).click();
    await page.frameLocator('#admin').locator('body').getByText(/API URL|Connection/).first().waitFor();
    // Test connection: a signed GET /health from the admin resolver through the function URL.
    await page.frameLocator('#admin').getByRole('button', { name: 'Test connection' }).click();
    await page.frameLocator('#admin').getByText(/Connected to VM API .* in eu-west-1/).waitFor();
    await page.screenshot({ path: join(SHOTS, '3-admin.png'), fullPage: true });
    expect(preview.stack.forge.violations()).toEqual([]);
    await context.close();
  });
});
