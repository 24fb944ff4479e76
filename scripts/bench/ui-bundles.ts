import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * UI benchmarks for `npm run bench`:
 *  - benchUiBundles(): gzip sizes of the built JS and CSS of each Custom UI page (static/build),
 *    split into what index.html loads up front and what is fetched later (dynamic chunks);
 *    the issue panel's budget is 150 KB gzip of JS.
 *  - measureFirstRender(): time from navigation to the page's first meaningful content (the
 *    `dev-vm:first-content` User Timing mark, set when the first answer is on screen) in Chromium,
 *    against the test build of each page and the real resolvers with the backend tests' stand-ins.
 * Numbers are reported, never asserted in tests.
 */

const ROOT = resolve(__dirname, '../..');
export const PAGES = ['issue-panel', 'admin'] as const;
export type UiPage = (typeof PAGES)[number];
export const PANEL_JS_BUDGET_GZIP = 150 * 1024;

export interface AssetSize {
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Referenced by index.html (or imported statically by such a file), so it loads before first render. */
  initial: boolean;
}
export interface PageBundle {
  page: UiPage;
  assets: AssetSize[];
  jsGzip: number;
  jsInitialGzip: number;
  cssGzip: number;
}

/** Files reachable from index.html through <script>/<link> and static `import … from "./x.js"` (not `import()`). */
function initialFiles(dir: string): Set<string> {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const queue = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1] as string);
  const seen = new Set<string>();
  while (queue.length) {
    const f = queue.pop() as string;
    if (seen.has(f)) continue;
    seen.add(f);
    if (!f.endsWith('.js')) continue;
    const code = readFileSync(join(dir, f), 'utf8');
    for (const m of code.matchAll(/(?:^|[;}\s])import\s*(?:[\w{}\s,*$]+from\s*)?["']\.\/([^"']+\.js)["']/g)) queue.push(`assets/${m[1]}`);
  }
  return seen;
}

export function benchUiBundles(buildDir = join(ROOT, 'static', 'build')): PageBundle[] {
  return PAGES.map((page) => {
    const dir = join(buildDir, page);
    const initial = initialFiles(dir);
    const assets = readdirSync(join(dir, 'assets'))
      .filter((f) => f.endsWith('.js') || f.endsWith('.css'))
      .map((f) => {
        const data = readFileSync(join(dir, 'assets', f));
        return { file: f, bytes: statSync(join(dir, 'assets', f)).size, gzipBytes: gzipSync(data, { level: 9 }).length, initial: initial.has(`assets/${f}`) };
      })
      .sort((a, b) => b.gzipBytes - a.gzipBytes);
    const sum = (xs: AssetSize[]) => xs.reduce((n, a) => n + a.gzipBytes, 0);
    const js = assets.filter((a) => a.file.endsWith('.js'));
    return { page, assets, jsGzip: sum(js), jsInitialGzip: sum(js.filter((a) => a.initial)), cssGzip: sum(assets.filter((a) => a.file.endsWith('.css'))) };
  });
}

export function formatBundles(bundles: PageBundle[]): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const lines: string[] = [];
  for (const b of bundles) {
    const budget = b.page === 'issue-panel' ? ` (budget ${kb(PANEL_JS_BUDGET_GZIP)}: ${b.jsGzip <= PANEL_JS_BUDGET_GZIP ? 'within' : 'OVER'})` : '';
    lines.push(`${b.page}: JS ${kb(b.jsGzip)} gzip, of which ${kb(b.jsInitialGzip)} before first render; CSS ${kb(b.cssGzip)} gzip${budget}`);
    for (const a of b.assets.slice(0, 6)) lines.push(`  ${a.initial ? 'initial' : 'lazy   '} ${kb(a.gzipBytes).padStart(9)}  ${a.file}`);
  }
  return lines.join('\n');
}

export interface FirstRender {
  page: UiPage;
  /** Navigation → first meaningful content, per run (ms). */
  runs: number[];
  medianMs: number;
  /** Navigation → all modules evaluated (the `dev-vm:modules-ready` mark), median (ms): script cost alone. */
  modulesReadyMedianMs: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/**
 * Median time to first meaningful content over `runs` fresh page loads (cold browser context each
 * time), with the resolvers answering from in-process stand-ins, so it measures the page, not a
 * network. Builds the test variant of each page first.
 */
export async function measureFirstRender(runs = 5): Promise<FirstRender[]> {
  // Loaded lazily: the bundle-size report needs none of the browser or stand-in machinery.
  const { panelResolver, adminResolver } = await import('../../src/index');
  const { startVmApiStandIn } = await import('../../local/vm-api-server');
  const { PEOPLE, configure, site } = await import('../../local/site-fixtures');
  const { startRig } = await import('../../local/browser/harness');

  const prevSilent = process.env.DEV_VM_SILENT_LOGS;
  process.env.DEV_VM_SILENT_LOGS = '1';
  const api = await startVmApiStandIn();
  const forge = site();
  configure(forge, api);
  const out: FirstRender[] = [];
  try {
    for (const page of PAGES) {
      const resolver = page === 'admin' ? adminResolver : panelResolver;
      const rig = await startRig(
        page,
        (call, viewer) => forge.invokeResolver(resolver, call.functionKey, call.payload, { accountId: viewer.accountId, ...(viewer.issueKey ? { issueKey: viewer.issueKey, issueId: viewer.issueId } : {}) }),
        page === 'admin' ? { accountId: PEOPLE.admin, timezone: 'UTC' } : { accountId: PEOPLE.assignee, timezone: 'UTC', issueKey: 'OPS-42', issueId: '10042' },
      );
      try {
        const times: number[] = [];
        const modules: number[] = [];
        for (let i = 0; i < runs; i++) {
          const { context, page: p } = await rig.open();
          await p.waitForFunction(() => performance.getEntriesByName('dev-vm:first-content').length > 0, undefined, { timeout: 30_000 });
          const [first, mods] = await p.evaluate(() => ['dev-vm:first-content', 'dev-vm:modules-ready'].map((n) => performance.getEntriesByName(n)[0]?.startTime ?? Number.NaN));
          times.push(Math.round(first as number));
          modules.push(Math.round(mods as number));
          await context.close();
        }
        out.push({ page, runs: times, medianMs: median(times), modulesReadyMedianMs: median(modules) });
      } finally {
        await rig.close();
      }
    }
  } finally {
    forge.uninstall();
    await api.close();
    if (prevSilent === undefined) delete process.env.DEV_VM_SILENT_LOGS;
    else process.env.DEV_VM_SILENT_LOGS = prevSilent;
  }
  return out;
}

if (require.main === module) {
  void (async () => {
    console.log(formatBundles(benchUiBundles()));
    for (const r of await measureFirstRender()) console.log(`${r.page}: first render ${r.medianMs} ms median (target ≤ 500 ms) of ${r.runs.join(', ')} ms; modules evaluated at ${r.modulesReadyMedianMs} ms`);
  })();
}
