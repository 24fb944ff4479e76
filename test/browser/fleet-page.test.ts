import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { PEOPLE } from '../../scripts/preview/site';
import { startStack, type Stack } from '../../scripts/preview/wiring';
import { seriousA11yViolations, snapshot } from '../../local/browser/browser';
import { startRig, type Rig } from '../../local/browser/harness';

/**
 * The fleet page in Chromium against the real fleet resolvers, the signed VM API client, the VM API
 * Lambda and a seeded fleet on the AWS stand-in (the preview's wiring).
 */
process.env.DEV_VM_SILENT_LOGS = '1';
jest.setTimeout(180_000);

const FLEET = 150;
let stack: Stack;
let rig: Rig;

beforeAll(async () => {
  stack = await startStack({ dbSuffix: `fleetui_${randomBytes(4).toString('hex')}`, databases: false, transitionSeconds: 0, lambdaLogLevel: 'SILENT', fleet: FLEET });
  rig = await startRig(
    'fleet',
    (call, viewer) => stack.invoke(call.functionKey, call.payload, { accountId: viewer.accountId, ...(viewer.projectKey ? { projectKey: viewer.projectKey } : {}) }),
    { accountId: PEOPLE.admin.accountId, timezone: 'Europe/London' },
  );
});
afterAll(async () => {
  await rig?.close();
  await stack?.close();
});
beforeEach(() => {
  rig.pageErrors.length = 0;
  rig.viewer = { accountId: PEOPLE.admin.accountId, timezone: 'Europe/London' };
});
afterEach(() => {
  expect(rig.pageErrors.filter((e) => /Content Security Policy|uncaught/.test(e))).toEqual([]);
  expect(stack.forge.violations()).toEqual([]);
});

/** Every shown row's cell texts (checkbox column left out), as the CSV should carry them. */
const tableCells = (page: Page) =>
  page.$$eval('[data-testid="fleet-table"] tbody tr', (trs) =>
    trs.map((tr) => Array.from(tr.querySelectorAll('td')).filter((td) => !td.querySelector('input[type="checkbox"]')).map((td) => (td.textContent ?? '').trim())),
  );
const headers = (page: Page) =>
  page.$$eval('[data-testid="fleet-table"] thead th button', (bs) => bs.map((b) => (b.textContent ?? '').replace(/[▲▼]/g, '').trim()));
const column = async (page: Page, label: string) => {
  const i = (await headers(page)).indexOf(label);
  return (await tableCells(page)).map((r) => r[i] ?? '');
};

async function openLoaded(hash = '', theme: 'light' | 'dark' = 'light'): Promise<Page> {
  const { page } = await rig.open({ theme });
  if (hash) await page.goto(`${rig.server.url}/index.html${theme === 'dark' ? '?theme=dark' : ''}${hash}`);
  await page.getByTestId('fleet-table').waitFor();
  await page.waitForFunction(() => /\d+ VMs\.$/.test(document.querySelector('[data-testid="fleet-basis"]')?.textContent?.trim() ?? ''));
  return page;
}

/** Distinct non-grey colours painted on a chart's canvas (a series whose colour did not resolve is painted black). */
const chartColours = (page: Page, testId: string) =>
  page.$eval(`[data-testid="${testId}"]`, (c) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
    const seen = new Set<string>();
    for (let i = 0; i < d.length; i += 4) {
      const [r, g, b, a] = [d[i] ?? 0, d[i + 1] ?? 0, d[i + 2] ?? 0, d[i + 3] ?? 0];
      if (a > 250 && Math.max(r, g, b) - Math.min(r, g, b) > 40) seen.add(`${r >> 4},${g >> 4},${b >> 4}`);
    }
    return seen.size;
  });

/** CSV text → rows of cells (RFC 4180 quoting). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let cell = '';
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

describe('the fleet page for a Jira administrator', () => {
  it('shows every VM with the prices it used, axe clean', async () => {
    const page = await openLoaded();
    expect(await page.getByTestId('fleet-row').count()).toBe(FLEET);
    // The bench times the first page by this mark (npm run bench -- fleet): it is there, and was
    // placed with the first page's 100 rows on screen.
    const mark = await page.evaluate(() => (performance.getEntriesByName('dev-vm:first-content')[0] as PerformanceMark | undefined)?.detail as { rows?: number } | undefined);
    expect(mark).toEqual({ rows: 100 });
    // Every seeded VM has a measured activity, shown to the minute in UTC.
    const activity = await column(page, 'Last activity (UTC)');
    expect(activity).toHaveLength(FLEET);
    for (const a of activity) expect(a).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    // Working hours as the panel says them ("Mon–Fri"), not the tag's "MON-FRI"; a VM off the
    // schedule says so, without a zone that would not apply.
    const workingHours = await column(page, 'Working hours (VM zone)');
    expect(workingHours).toHaveLength(FLEET);
    for (const h of workingHours) expect(h).toMatch(/^(?:(?:\d\d:\d\d–\d\d:\d\d|from \d\d:\d\d|until \d\d:\d\d) (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[–, A-Za-z]* [A-Za-z_]+\/[A-Za-z_]+|off \(on request only\))$/);
    expect(workingHours.join(' ')).not.toMatch(/MON|TUE|WED|THU|FRI|SAT|SUN/);
    // The OS under the issue panel's names, never the raw id (rhel-9), then the instance type.
    const types = await column(page, 'OS / type');
    expect(types).toHaveLength(FLEET);
    for (const t of types) expect(t).toMatch(/^(?:Amazon Linux 2023|Ubuntu 24\.04 LTS|Red Hat Enterprise Linux 9) · [a-z0-9]+\.[a-z0-9]+$/);
    // The preview's VM API runs in eu-west-1: its prices, and the table's date, are named.
    expect(await page.getByTestId('fleet-basis').textContent()).toMatch(/on-demand prices for eu-west-1 as of \d{1,2} [A-Z][a-z]{2} \d{4} \(https:\/\/aws\.amazon\.com\/ec2\/pricing\/on-demand\//);
    // eu-west-1's row of the table is not verified against a source (src/contract/prices.ts): the page says so.
    expect(await page.getByTestId('fleet-basis').textContent()).toContain('), figures for eu-west-1 not yet checked against AWS; hours come from');
    // The chart library arrives as a chunk of its own, after the table.
    await page.locator('[data-testid="cost-chart"][data-ready="true"]').waitFor();
    expect(await page.getByTestId('cost-chart').getAttribute('aria-label')).toMatch(/^Cost this month per client against 24\/7/);
    await page.locator('[data-testid="daily-chart"][data-ready="true"]').waitFor();
    expect(await page.getByTestId('daily-chart').getAttribute('aria-label')).toMatch(/^Running hours per day in \w+ \d{4}, stacked by client, days 1 to \d+: [\d.]+ h in all/);
    // Each client in a colour of its own (the theme's chart tokens), not all painted black.
    expect(await chartColours(page, 'daily-chart')).toBeGreaterThanOrEqual(6);
    expect(await chartColours(page, 'cost-chart')).toBeGreaterThanOrEqual(1);
    await snapshot(page, 'fleet-light');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('filters and sorts, keeps both in the URL, and restores them from it', async () => {
    const page = await openLoaded();
    await page.getByTestId('filter-client').selectOption('globex');
    await page.getByTestId('filter-state').selectOption('running');
    const clients = await column(page, 'Client');
    expect(clients.length).toBeGreaterThan(0);
    expect(new Set(clients)).toEqual(new Set(['globex']));
    expect(new Set(await column(page, 'State'))).toEqual(new Set(['running']));

    await page.getByTestId('sort-hoursRun').click(); // descending first
    const desc = (await column(page, 'Hours this month')).map(Number);
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    await page.getByTestId('sort-hoursRun').click();
    const asc = (await column(page, 'Hours this month')).map(Number);
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    const hash = await page.evaluate(() => window.location.hash);
    expect(Object.fromEntries(new URLSearchParams(hash.slice(1)))).toEqual({ client: 'globex', state: 'running', sort: 'hoursRun', dir: 'asc' });

    const again = await openLoaded(hash);
    expect(await again.getByTestId('filter-client').inputValue()).toBe('globex');
    expect(await column(again, 'Hours this month')).toEqual(asc.map((n) => n.toFixed(1)));
  });

  it('exports exactly the table shown as CSV, and totals add up to it', async () => {
    const page = await openLoaded('#project=WEB&sort=cost&dir=desc');
    const shown = await tableCells(page);
    expect(shown.length).toBeGreaterThan(0);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    const path = await download.path();
    if (!path) throw new Error('no CSV downloaded');
    const csv = parseCsv(readFileSync(path, 'utf8'));
    expect(csv[0]).toEqual(await headers(page));
    expect(csv.slice(1)).toEqual(shown);

    const costs = (await column(page, 'Cost this month (USD)')).map((c) => Number(c || 0));
    const total = costs.reduce((a, b) => a + b, 0);
    const perClient = await page.$$eval('[data-testid="totals-client"] tbody tr', (trs) => trs.map((tr) => Number((tr.children[4]?.textContent ?? '').replace(/[$,]/g, ''))));
    expect(perClient.reduce((a, b) => a + b, 0)).toBeCloseTo(total, 0);
  });

  it('stops the selected VMs after a confirmation naming them, with an audit comment on each issue', async () => {
    const page = await openLoaded('#state=running&project=DATA&sort=issue&dir=asc');
    const rows = page.getByTestId('fleet-row');
    const picked: { id: string; issueKey: string }[] = [];
    for (let i = 0; i < 2; i++) {
      const r = rows.nth(i);
      picked.push({ id: (await r.getAttribute('data-id')) ?? '', issueKey: ((await r.locator('a').textContent()) ?? '').trim() });
      await r.locator('input[type="checkbox"]').check();
    }
    const before = picked.map((p) => stack.forge.jira.commentsOn(p.issueKey).length);
    await page.getByTestId('bulk-stop').click();
    const dialog = page.getByTestId('bulk-dialog');
    await dialog.waitFor();
    const listed = (await page.getByTestId('bulk-dialog-vms').textContent()) ?? '';
    for (const p of picked) {
      expect(listed).toContain(p.issueKey);
      expect(listed).toContain(p.id);
    }
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByTestId('bulk-dialog-confirm').click();
    await page.getByTestId('bulk-result').waitFor();
    expect(await page.getByTestId('bulk-result').textContent()).toContain('2 of 2 done');
    expect(await page.getByTestId('bulk-outcome').locator('li').allTextContents()).toEqual(['2 stopped, each issue has a comment saying who did it and when']);
    picked.forEach((p, i) => expect(stack.forge.jira.commentsOn(p.issueKey).length).toBe((before[i] ?? 0) + 1));
    // They leave the "running" filter; with it cleared they show their new state.
    await page.getByTestId('filter-state').selectOption('');
    const stateAt = (await headers(page)).indexOf('State');
    const cells = await tableCells(page);
    const ids = await page.$$eval('[data-testid="fleet-row"]', (trs) => trs.map((tr) => tr.getAttribute('data-id')));
    for (const p of picked) expect(['stopping', 'stopped']).toContain(cells[ids.indexOf(p.id)]?.[stateAt]);
    const bulkCalls = rig.invokes('fleet.bulk');
    expect(bulkCalls.at(-1)?.payload).toEqual({ action: 'stop', vms: picked.map((p) => ({ id: p.id, issueKey: p.issueKey })) });
  });

  it('says per outcome what a bulk action did: done with a comment, done without one, refused for a VM paired with another issue', async () => {
    const page = await openLoaded('#state=running&project=WEB&sort=issue&dir=asc');
    const rows = page.getByTestId('fleet-row');
    const picked: { id: string; issueKey: string }[] = [];
    for (let i = 0; i < 4; i++) {
      const r = rows.nth(i);
      picked.push({ id: (await r.getAttribute('data-id')) ?? '', issueKey: ((await r.locator('a').textContent()) ?? '').trim() });
      await r.locator('input[type="checkbox"]').check();
    }
    const [first, , , last] = picked;
    if (!first || !last) throw new Error('four running WEB VMs expected');
    // The last VM was paired with another issue since the page loaded (its JiraIssue tag changed):
    // the VM API refuses it for the issue the page names (as in test/handlers/fleet-resolvers.test.ts).
    const tags = stack.standIn?.state.instances.get(last.id)?.tags;
    if (!tags) throw new Error('simulated AWS expected');
    tags.set('JiraIssue', 'OPS-99999');
    const lastComments = stack.forge.jira.commentsOn(last.issueKey).length;
    // Jira refuses the first VM's audit comment once (the resolvers process the VMs in the order sent).
    stack.forge.jira.faults.push({ method: 'POST', template: '/rest/api/3/issue/{issueIdOrKey}/comment', status: 503, times: 1 });
    try {
      await page.getByTestId('bulk-stop').click();
      await page.getByTestId('bulk-dialog').waitFor();
      await page.getByTestId('bulk-dialog-confirm').click();
      await page.getByTestId('bulk-result').waitFor();
      expect(await page.getByTestId('bulk-result').locator('h3').textContent()).toContain('Stop selected: 3 of 4 done');
      const lines = await page.getByTestId('bulk-outcome').locator('li').allTextContents();
      expect(lines).toEqual([
        '2 stopped, each issue has a comment saying who did it and when',
        `1 stopped without a comment on its issue: ${first.issueKey} (${first.id}) — Done, but the comment on ${first.issueKey} could not be written (Jira answered HTTP 503).`,
        expect.stringMatching(new RegExp(`^1 failed: ${last.issueKey} \\(${last.id}\\) — \\S.*$`)),
      ]);
      expect(await page.getByTestId('bulk-result').textContent()).not.toContain('Each VM’s issue has a comment');
      expect(stack.forge.jira.commentsOn(last.issueKey)).toHaveLength(lastComments);
      expect(stack.forge.jira.commentsOn('OPS-99999')).toHaveLength(0);
    } finally {
      tags.set('JiraIssue', last.issueKey);
    }
  });

  it('parks and extends the idle deadline of the selected VMs after a confirmation naming them', async () => {
    const page = await openLoaded('#state=warned&sort=issue&dir=asc');
    const row = page.getByTestId('fleet-row').first();
    const id = (await row.getAttribute('data-id')) ?? '';
    const issueKey = ((await row.locator('a').textContent()) ?? '').trim();
    await row.locator('input[type="checkbox"]').check();
    const before = stack.forge.jira.commentsOn(issueKey).length;
    for (const [action, verb, done] of [
      ['park', 'Park 1 VM', 'Park selected: 1 of 1 done'],
      ['keep', 'Extend idle deadline of 1 VM', 'Extend idle deadline: 1 of 1 done'],
    ] as const) {
      await page.getByTestId(`bulk-${action}`).click();
      await page.getByTestId('bulk-dialog').waitFor();
      expect(await page.getByTestId('bulk-dialog').locator('h2, h1').first().textContent()).toBe(`${verb}?`);
      const listed = (await page.getByTestId('bulk-dialog-vms').textContent()) ?? '';
      expect(listed).toContain(issueKey);
      expect(listed).toContain(id);
      await page.getByTestId('bulk-dialog-confirm').click();
      await page.getByTestId('bulk-result').filter({ hasText: done }).waitFor();
      if (action === 'park') await row.locator('input[type="checkbox"]').check();
    }
    expect(stack.forge.jira.commentsOn(issueKey)).toHaveLength(before + 2);
    expect(rig.invokes('fleet.bulk').slice(-2).map((c) => c.payload)).toEqual([
      { action: 'park', vms: [{ id, issueKey }] },
      { action: 'keep', vms: [{ id, issueKey }] },
    ]);
    // Kept: no longer warned, so it leaves the "warned" filter; parked, it shows so.
    await page.getByTestId('filter-state').selectOption('parked');
    const ids = await page.$$eval('[data-testid="fleet-row"]', (trs) => trs.map((tr) => tr.getAttribute('data-id')));
    expect(ids).toContain(id);
    const state = (await column(page, 'State'))[ids.indexOf(id)] ?? '';
    expect(state.split(' · ')).toContain('parked');
    expect(state.split(' · ')).not.toContain('warned');
  });

  it('fits a 380 px viewport in the dark theme: wide tables scroll inside their own region, never the page', async () => {
    const page = await openLoaded('', 'dark');
    await page.setViewportSize({ width: 380, height: 900 });
    await page.locator('[data-testid="cost-chart"][data-ready="true"]').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    // Each totals table's scroll region is no wider than the page and can be reached with Tab.
    for (const id of ['totals-client-scroll', 'totals-developer-scroll']) {
      const box = await page.getByTestId(id).boundingBox();
      expect({ id, right: Math.round((box?.x ?? 0) + (box?.width ?? 9e9)) <= 380 }).toEqual({ id, right: true });
      expect(await page.getByTestId(id).getAttribute('tabindex')).toBe('0');
    }
    await snapshot(page, 'fleet-380-dark');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('follows the dark theme and stays axe clean there', async () => {
    const page = await openLoaded('', 'dark');
    expect(await page.evaluate(() => document.documentElement.dataset.colorMode)).toBe('dark');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = (bg.match(/\d+/g) ?? []).map(Number);
    expect((r ?? 255) + (g ?? 255) + (b ?? 255)).toBeLessThan(200);
    await page.locator('[data-testid="cost-chart"][data-ready="true"]').waitFor();
    await snapshot(page, 'fleet-dark');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });
});

describe('hours per day, lifecycle states and cost centers', () => {
  it('has the per-day chart\'s figures in a table that adds up to the hours of the clients shown', async () => {
    const page = await openLoaded('#project=OPS');
    await page.getByText('Running hours per day as a table').click();
    const table = page.getByTestId('daily-table');
    await table.waitFor();
    const clients = await table.locator('thead th').allTextContents();
    expect(clients[0]).toBe('Day');
    expect(clients.at(-1)).toBe('All');
    const days = await table.locator('tbody tr').count();
    expect(days).toBe(new Date().getUTCDate());
    const all = (await table.locator('tbody tr td:last-child').allTextContents()).map(Number).reduce((a, b) => a + b, 0);
    const perClient = await page.$$eval('[data-testid="totals-client"] tbody tr', (trs) => trs.map((tr) => Number(tr.children[3]?.textContent ?? 'NaN')));
    const hours = perClient.reduce((a, b) => a + b, 0);
    expect(hours).toBeGreaterThan(0);
    // Each figure is rounded (0.01 h per cell, 0.1 h per client): they agree to within that.
    expect(Math.abs(all - hours)).toBeLessThan(1.5);
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('filters by parked, idle-stopped and warned, shows them in the State column, and shows cost centers', async () => {
    const page = await openLoaded();
    for (const flag of ['parked', 'idle-stopped', 'warned']) {
      await page.getByTestId('filter-state').selectOption(flag);
      const states = await column(page, 'State');
      expect(states.length).toBeGreaterThan(0);
      for (const s of states) expect(s.split(' · ')).toContain(flag);
    }
    await page.getByTestId('filter-state').selectOption('');
    const centers = new Set((await column(page, 'Cost center')).filter(Boolean));
    expect(centers.size).toBeGreaterThan(1);
    const [center] = [...centers].sort();
    await page.getByTestId('filter-cost-center').selectOption(center ?? '');
    expect(new Set(await column(page, 'Cost center'))).toEqual(new Set([center]));
    expect(await page.evaluate(() => new URLSearchParams(window.location.hash.slice(1)).get('costCenter'))).toBe(center);
  });
});

describe('the dashboard gadget', () => {
  it('sums up the fleet from the same figures as the page', async () => {
    rig.viewer = { accountId: PEOPLE.admin.accountId, timezone: 'Europe/London', moduleKey: 'dev-vm-fleet-gadget' };
    const { page } = await rig.open();
    await page.getByTestId('fleet-gadget').waitFor();
    await page.waitForFunction(() => !/still counting/.test(document.querySelector('[data-testid="fleet-gadget"]')?.textContent ?? ''));
    expect(await page.getByTestId('fleet-gadget').textContent()).toMatch(new RegExp(`of ${FLEET} dev VMs running now`));
    expect(await page.getByTestId('gadget-top').locator('li').count()).toBe(3);
    // The prices' date in words, as the fleet page says it, not as 2026-11-30.
    expect(await page.getByTestId('fleet-gadget').textContent()).toMatch(/Prices as of \d{1,2} [A-Z][a-z]{2} \d{4}\.$/);
    expect(await seriousA11yViolations(page)).toEqual([]);
  });
});

describe('the fleet page for others', () => {
  it('shows a project administrator that project only, without bulk actions', async () => {
    rig.viewer = { accountId: PEOPLE.projectAdmin.accountId, projectKey: 'OPS', timezone: 'Europe/London' };
    const page = await openLoaded();
    expect(await page.locator('h1').textContent()).toBe('Dev VMs of project OPS');
    const issues = await column(page, 'Issue');
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((k) => k.startsWith('OPS-'))).toBe(true);
    expect(await page.getByTestId('bulk-stop').count()).toBe(0);
    expect(await page.getByTestId('filter-project').count()).toBe(0);
  });

  it('tells anyone else why they see nothing', async () => {
    rig.viewer = { accountId: PEOPLE.developer.accountId, timezone: 'Europe/London' };
    const { page } = await rig.open();
    await page.getByTestId('fleet-failure').waitFor();
    expect(await page.getByTestId('fleet-failure').textContent()).toContain('Only Jira administrators');
    expect(await page.getByTestId('fleet-row').count()).toBe(0);
  });
});
