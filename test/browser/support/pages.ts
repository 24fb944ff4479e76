import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type PageName = 'issue-panel' | 'admin';

export const ROOT = resolve(__dirname, '../../..');
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');

/**
 * Builds the TEST variant of a page (Vite `--mode test:<page>`: @forge/bridge aliased to the test
 * bridge) into test-artifacts/browser-build/<page>/ and returns that folder. Built per test file so
 * the browser always runs the current source, never a stale build.
 */
export function buildTestPage(page: PageName): string {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'vite.config.ts', '--mode', `test:${page}`], {
    cwd: join(ROOT, 'static'),
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const out = join(ROOT, 'test-artifacts', 'browser-build', page);
  if (!existsSync(join(out, 'index.html'))) throw new Error(`test build of ${page} produced no index.html in ${out}`);
  mkdirSync(ARTIFACTS, { recursive: true });
  return out;
}
