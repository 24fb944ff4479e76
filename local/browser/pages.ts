import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { join, resolve } from 'node:path';

export type PageName = 'issue-panel' | 'admin' | 'fleet';

export const ROOT = resolve(__dirname, '../..');
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

/**
 * The Content-Security-Policy Forge puts on a Custom UI iframe: everything from the app's own
 * origin only, widened just by what manifest.yml declares under permissions.content. Serving the
 * test pages under it proves they need nothing the manifest does not ask for.
 */
export function forgeContentPolicy(): string {
  const manifest = load(readFileSync(join(ROOT, 'manifest.yml'), 'utf8')) as { permissions?: { content?: { styles?: string[]; scripts?: string[] } } };
  const quote = (s: string) => (s.startsWith('unsafe-') || s === 'blob:' ? (s.endsWith(':') ? s : `'${s}'`) : s);
  const styles = (manifest.permissions?.content?.styles ?? []).map(quote);
  const scripts = (manifest.permissions?.content?.scripts ?? []).map(quote);
  return [
    "default-src 'self'",
    ["script-src 'self'", ...scripts].join(' '),
    ["style-src 'self'", ...styles].join(' '),
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
  ].join('; ');
}
