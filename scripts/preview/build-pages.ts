import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/**
 * The Custom UI pages built in test mode (`vite --mode test:<page>`: @forge/bridge aliased to the
 * test bridge, whose invoke() posts to /__invoke) into test-artifacts/preview-build/<page>/.
 * Rebuilt only when a source file is newer than the last build, so a second `npm start` starts
 * in about a second.
 */

export const ROOT = resolve(__dirname, '../..');
export const PAGES = ['issue-panel', 'admin', 'fleet'] as const;
export type PageName = (typeof PAGES)[number];
export const buildDir = (page: PageName): string => join(ROOT, 'test-artifacts', 'preview-build', page);

const SOURCES = ['static/src', 'static/issue-panel', 'static/admin', 'static/fleet', 'static/vite.config.ts', 'static/package.json', 'src/contract', 'src/domain', 'local/browser/test-bridge.ts'];

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of readdirSync(path)) {
    if (e === 'node_modules' || e === 'build') continue;
    max = Math.max(max, newest(join(path, e)));
  }
  return max;
}

export function isStale(page: PageName): boolean {
  const index = join(buildDir(page), 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return SOURCES.some((s) => newest(join(ROOT, s)) > built);
}

/** Build the pages that are missing or stale; returns the ones built. */
export async function ensurePages(log: (line: string) => void = () => undefined): Promise<PageName[]> {
  const stale = PAGES.filter(isStale);
  // One after the other: two parallel Vite builds would fight over the machine's two cores.
  for (const page of stale) {
    log(`building the ${page} page (test mode)…`);
    await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'vite.config.ts', '--mode', `test:${page}`, '--outDir', buildDir(page), '--emptyOutDir'], {
      cwd: join(ROOT, 'static'),
      env: { ...process.env, NODE_ENV: 'production' },
      maxBuffer: 16 * 1024 * 1024,
    });
    if (!existsSync(join(buildDir(page), 'index.html'))) throw new Error(`the ${page} build produced no index.html in ${buildDir(page)}`);
  }
  return stale;
}
