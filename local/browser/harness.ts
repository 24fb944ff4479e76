import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { startPageServer, type InvokeCall, type PageServer } from './page-server';
import { buildTestPage, forgeContentPolicy, type PageName } from './pages';

/**
 * One test file's browser rig: the test build of a page, a page server whose /__invoke runs the
 * given resolver definitions as the current viewer, and Chromium. The viewer (account, issue,
 * Jira profile zone) is switched per test through `viewer`.
 */
export interface Viewer {
  accountId: string;
  issueKey?: string;
  issueId?: string;
  /** The project of a project settings page (the fleet page for one project). */
  projectKey?: string;
  /** A module key other than the page's default (the fleet page's dashboard gadget). */
  moduleKey?: string;
  /** The Jira profile time zone view.getContext() reports. */
  timezone: string;
}

export interface Rig {
  server: PageServer;
  browser: Browser;
  viewer: Viewer;
  open(opts?: { theme?: 'light' | 'dark'; browserZone?: string }): Promise<{ context: BrowserContext; page: Page }>;
  invokes(functionKey?: string): InvokeCall[];
  /** Console errors and uncaught exceptions of every page opened (CSP violations included). */
  pageErrors: string[];
  close(): Promise<void>;
}

export async function startRig(
  page: PageName,
  invoke: (call: InvokeCall, viewer: Viewer) => Promise<unknown>,
  viewer: Viewer,
  hooks: { consent?: (viewer: Viewer) => void } = {},
): Promise<Rig> {
  const root = buildTestPage(page);
  const rig = { viewer } as Rig;
  rig.pageErrors = [];
  rig.server = await startPageServer({
    root,
    csp: forgeContentPolicy(),
    invoke: (call) => invoke(call, rig.viewer),
    consent: () => hooks.consent?.(rig.viewer),
    context: () => ({
      accountId: rig.viewer.accountId,
      cloudId: 'stand-in-cloud',
      environmentId: 'env-stand-in',
      environmentType: 'DEVELOPMENT',
      localId: 'local-stand-in',
      locale: 'en-US',
      moduleKey: rig.viewer.moduleKey ?? (page === 'admin' ? 'dev-vm-admin' : page === 'fleet' ? (rig.viewer.projectKey ? 'dev-vm-project-fleet' : 'dev-vm-fleet') : 'dev-vm-panel'),
      siteUrl: 'https://example-site.atlassian.net',
      timezone: rig.viewer.timezone,
      extension: rig.viewer.issueKey
        ? { type: 'jira:issuePanel', issue: { key: rig.viewer.issueKey, id: rig.viewer.issueId, type: 'Task' }, project: { key: rig.viewer.issueKey.split('-')[0] } }
        : rig.viewer.projectKey
          ? { type: 'jira:projectSettingsPage', project: { key: rig.viewer.projectKey } }
          : rig.viewer.moduleKey === 'dev-vm-fleet-gadget'
            ? { type: 'jira:dashboardGadget', gadgetConfiguration: {} }
            : { type: 'jira:adminPage' },
    }),
  });
  rig.browser = await launchChromium();
  const contexts: BrowserContext[] = [];
  rig.open = async (opts = {}) => {
    const context = await rig.browser.newContext({
      viewport: page === 'fleet' ? { width: 1400, height: 900 } : page === 'admin' ? { width: 1100, height: 900 } : { width: 720, height: 900 },
      timezoneId: opts.browserZone ?? 'America/New_York',
      locale: 'en-GB',
      colorScheme: opts.theme ?? 'light',
    });
    contexts.push(context);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: rig.server.url });
    const p = await context.newPage();
    p.on('console', (m) => {
      if (m.type() === 'error') rig.pageErrors.push(m.text());
    });
    p.on('pageerror', (e) => rig.pageErrors.push(`uncaught: ${e.message}`));
    await p.goto(`${rig.server.url}/index.html${opts.theme === 'dark' ? '?theme=dark' : ''}`);
    return { context, page: p };
  };
  rig.invokes = (functionKey) => rig.server.calls.filter((c) => !functionKey || c.functionKey === functionKey);
  rig.close = async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await rig.browser.close();
    await rig.server.close();
  };
  return rig;
}

/** Press Tab until the element with this test id has focus; fails if it is not reachable. */
export async function tabTo(page: Page, testId: string, maxTabs = 60): Promise<void> {
  for (let i = 0; i < maxTabs; i++) {
    const focused = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid ?? null);
    if (focused === testId) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${testId} was not reachable with Tab`);
}

/** The focused element shows a focus ring (outline or box-shadow), read from its computed style. */
export async function focusIsVisible(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return false;
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    return outline || (s.boxShadow !== 'none' && s.boxShadow !== '');
  });
}
