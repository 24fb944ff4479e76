import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * One config, one page per build: each Forge Custom UI resource must be a self-contained folder
 * (its own index.html and assets, relative paths), so the two pages are built separately.
 *
 *   --mode issue-panel | admin | fleet              → static/build/<page>/            (what manifest.yml deploys)
 *   --mode test:issue-panel | test:admin | test:fleet → test-artifacts/browser-build/<page>/
 *
 * The test variant swaps `@forge/bridge` (which only works inside Jira's iframe) for the test
 * bridge in local/browser, whose invoke() posts to the local test server.
 */
const PAGES = ['issue-panel', 'admin', 'fleet'] as const;
type Page = (typeof PAGES)[number];

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig(({ mode }) => {
  const test = mode.startsWith('test:');
  const page = (test ? mode.slice('test:'.length) : mode) as Page;
  if (!PAGES.includes(page)) {
    throw new Error(`vite --mode must be one of ${PAGES.join(', ')} (optionally prefixed "test:"), got "${mode}"`);
  }
  return {
    root: here(`./${page}`),
    base: './',
    plugins: [react()],
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    resolve: test ? { alias: { '@forge/bridge': here('../local/browser/test-bridge.ts') } } : {},
    build: {
      outDir: test ? here(`../test-artifacts/browser-build/${page}`) : here(`./build/${page}`),
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: false,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 1024,
    },
    logLevel: 'warn',
  };
});
