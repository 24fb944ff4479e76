import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { ENTRY_FILE, lambdaBuildOptions } from '../../infra-cdk/lib/bundling';

/**
 * Lambda benchmarks for `npm run bench`: each `infra-cdk/lambda/<name>/handler.ts` is bundled with
 * the CDK factory's options (infra-cdk/lib/bundling.ts: minified ES modules for node22 with code
 * splitting, the AWS SDK v3 left to the runtime, no source maps), then a fresh `node` imports
 * index.mjs and reports how long module initialisation took, minus the same measure for an empty
 * module (process start and the loader are not the handler's cost). Medians of several runs,
 * because this machine is shared. Targets: ≤ 400 KB (ceiling 1 MB), ≤ 120 ms.
 *
 * Sizes: a bundle is index.mjs plus chunks. `bytes` (the target) is what a cold start reads for
 * any request: index.mjs, everything it imports, and every chunk its dynamic imports reach,
 * except the modules listed in ON_DEMAND (loaded only by the routes that need them);
 * `initBytes` is what module init alone reads; `totalBytes` is the whole asset.
 * Module init is what a cold start pays before the first event; the handlers load their SDK
 * clients and routes on the first invocation (see each handler.ts), which this does not count.
 * Numbers are reported, never asserted in tests.
 */

const ROOT = resolve(__dirname, '../..');
const LAMBDA_DIR = join(ROOT, 'infra-cdk', 'lambda');
/** Under the root's node_modules so the bundles resolve @aws-sdk/* the way the runtime provides it. */
const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'lambda-bench');
const RUNS = 5;

/** Issue 10 item 10's targets; the hard ceiling stays 1 MB. */
export const LAMBDA_BUNDLE_BUDGET_BYTES = 400 * 1024;
export const LAMBDA_BUNDLE_CEILING_BYTES = 1024 * 1024;
export const LAMBDA_INIT_BUDGET_MS = 120;

/**
 * Modules a handler imports only for some routes: the VM API's database module (pg, mysql2:
 * provision and revoke) and the EFS/IAM gateways (provision).
 */
const ON_DEMAND = ['infra-cdk/lambda/shared/db/index.ts', 'infra-cdk/lambda/shared/efs.ts', 'infra-cdk/lambda/shared/iam.ts'];

export interface LambdaBundleRow {
  /** Directory name under infra-cdk/lambda. */
  name: string;
  /** Minified bytes a cold start reads for any request (ON_DEMAND chunks excluded). */
  bytes: number;
  /** Minified bytes module init reads (index.mjs and its static imports). */
  initBytes: number;
  /** The whole asset: index.mjs and every chunk. */
  totalBytes: number;
  /**
   * Median module-init CPU time (user + system) of the bundle minus that of an empty module. CPU
   * time, not wall time, because this machine is shared: on an idle machine the two agree for a
   * synchronous require, under load wall time mostly measures the other processes.
   */
  initMs: number;
  /** The same as wall-clock time, for reference (inflated when the machine is busy). */
  initWallMs: number;
  /** The biggest contributors to the bundle, by package (or source directory). */
  topInputs: { input: string; bytes: number }[];
  /** Why init could not be measured (the module threw), if it could not. */
  error?: string;
}

/**
 * A syntactically valid environment for every function's schema (infra-cdk/lambda/shared/env.ts),
 * so handlers that parse their environment at cold start can initialise. No value is real.
 */
const BENCH_ENV: Record<string, string> = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIABENCHNOTREAL0000',
  AWS_SECRET_ACCESS_KEY: 'bench-not-a-real-secret',
  MANAGED_BY: 'dev-vm-for-jira',
  SECRET_PREFIX: 'dev-vm/',
  EVENT_BUS_NAME: 'dev-vm-events',
  STATE_BUCKET: 'dev-vm-state',
  VM_SUBNET_IDS: 'subnet-0aaaabbbbccccdddd',
  LAUNCH_TEMPLATES: JSON.stringify({ al2023: 'lt-0aaaaaaaaaaaaaaa1' }),
  ALLOWED_INSTANCE_TYPES: 't3.large',
  ALLOWED_OS: 'al2023',
  EFS_FILE_SYSTEM_ID: 'fs-0123456789abcdef0',
  INSTANCE_POLICY_ARN: 'arn:aws:iam::123456789012:policy/bench',
  INSTANCE_BOUNDARY_ARN: 'arn:aws:iam::123456789012:policy/bench-boundary',
  FORGE_CALLER_ARN: 'arn:aws:iam::123456789012:user/dev-vm/bench-forge',
  HMAC_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bench',
  WEBTRIGGER_URL_PARAMETER: '/dev-vm/webtrigger-url',
  IDLE_POLICY_PARAMETER: '/dev-vm/idle-policy',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

export function lambdaEntries(): { name: string; entry: string }[] {
  if (!existsSync(LAMBDA_DIR)) return [];
  return readdirSync(LAMBDA_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(LAMBDA_DIR, d.name, 'handler.ts')))
    .map((d) => ({ name: d.name, entry: join(LAMBDA_DIR, d.name, 'handler.ts') }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

interface BundleSizes {
  bytes: number;
  initBytes: number;
  totalBytes: number;
  topInputs: { input: string; bytes: number }[];
}

/** Bundles `entry` into `outdir` exactly as the CDK factory does; sizes from esbuild's metafile. */
async function bundle(entry: string, outdir: string): Promise<BundleSizes> {
  const result = await build({ ...lambdaBuildOptions(entry, outdir), metafile: true, logLevel: 'silent' });
  const outputs = result.metafile.outputs;
  const key = (file: string) => relative(ROOT, file);
  const index = key(join(outdir, ENTRY_FILE));
  const reach = (from: string, follow: (imp: Metafile['outputs'][string]['imports'][number], target: string) => boolean, seen = new Set<string>()): Set<string> => {
    if (seen.has(from) || !outputs[from]) return seen;
    seen.add(from);
    for (const imp of outputs[from].imports) if (!imp.external && follow(imp, imp.path)) reach(imp.path, follow, seen);
    return seen;
  };
  const onDemand = (target: string) => ON_DEMAND.includes(outputs[target]?.entryPoint ?? '');
  const init = reach(index, (imp) => imp.kind === 'import-statement');
  const coldStart = reach(index, (imp, target) => imp.kind === 'import-statement' || !onDemand(target));
  const sum = (files: Iterable<string>) => [...files].reduce((n, f) => n + (outputs[f]?.bytes ?? 0), 0);

  const byInput = new Map<string, number>();
  for (const f of coldStart) {
    for (const [file, info] of Object.entries(outputs[f]?.inputs ?? {})) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.split('/').slice(0, -1).join('/');
      byInput.set(pkg, (byInput.get(pkg) ?? 0) + info.bytesInOutput);
    }
  }
  const topInputs = [...byInput]
    .map(([input, bytes]) => ({ input, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 5);
  return { bytes: sum(coldStart), initBytes: sum(init), totalBytes: sum(Object.keys(outputs)), topInputs };
}

interface InitTime {
  cpuMs: number;
  wallMs: number;
}

/** One fresh process: CPU and wall ms spent in `import(file)`, or the error it threw. */
function initOnce(file: string): InitTime | { error: string } {
  const probe = [
    'const c=process.cpuUsage(),t=process.hrtime.bigint();',
    `import(${JSON.stringify(pathToFileURL(file).href)}).then(()=>{`,
    'const w=Number(process.hrtime.bigint()-t)/1e6,u=process.cpuUsage(c);',
    'process.stdout.write(JSON.stringify({cpuMs:(u.user+u.system)/1e3,wallMs:w}))',
    "},e=>{process.stdout.write('ERR '+String(e&&e.message||e).slice(0,300))})",
  ].join('');
  const r = spawnSync(process.execPath, ['-e', probe], { env: { PATH: process.env.PATH ?? '', ...BENCH_ENV }, encoding: 'utf8', cwd: ROOT });
  const out = r.stdout.trim();
  if (out.startsWith('ERR ')) return { error: out.slice(4) };
  try {
    return JSON.parse(out) as InitTime;
  } catch {
    return { error: `no timing (exit ${r.status}): ${r.stderr.slice(0, 300)}` };
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function medianInit(file: string): InitTime | { error: string } {
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = initOnce(file);
    if ('error' in r) return r;
    cpu.push(r.cpuMs);
    wall.push(r.wallMs);
  }
  return { cpuMs: median(cpu), wallMs: median(wall) };
}

export async function benchLambdaBundles(): Promise<LambdaBundleRow[]> {
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });
  const empty = join(OUT_DIR, 'empty.mjs');
  writeFileSync(empty, '');
  const baseline = medianInit(empty);
  const base = 'error' in baseline ? { cpuMs: 0, wallMs: 0 } : baseline;

  const rows: LambdaBundleRow[] = [];
  for (const { name, entry } of lambdaEntries()) {
    const outdir = join(OUT_DIR, name);
    let sizes: BundleSizes;
    try {
      sizes = await bundle(entry, outdir);
    } catch (e) {
      const error = `bundling failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
      rows.push({ name, bytes: 0, initBytes: 0, totalBytes: 0, initMs: Number.NaN, initWallMs: Number.NaN, topInputs: [], error });
      continue;
    }
    const init = medianInit(join(outdir, ENTRY_FILE));
    rows.push(
      'error' in init
        ? { name, ...sizes, initMs: Number.NaN, initWallMs: Number.NaN, error: init.error }
        : { name, ...sizes, initMs: Math.max(0, init.cpuMs - base.cpuMs), initWallMs: Math.max(0, init.wallMs - base.wallMs) },
    );
  }
  return rows;
}

if (require.main === module) {
  void benchLambdaBundles().then((rows) => {
    for (const r of rows) {
      const size = `${(r.bytes / 1024).toFixed(1)} KB`;
      const init = Number.isNaN(r.initMs) ? `n/a (${r.error})` : `${r.initMs.toFixed(0)} ms CPU (${r.initWallMs.toFixed(0)} ms wall)`;
      const ok = r.bytes <= LAMBDA_BUNDLE_BUDGET_BYTES && r.initMs <= LAMBDA_INIT_BUDGET_MS ? 'within targets' : 'OVER TARGET';
      const ceiling = r.bytes > LAMBDA_BUNDLE_CEILING_BYTES ? ', OVER THE 1 MB CEILING' : '';
      console.log(`${r.name.padEnd(12)} ${size.padStart(10)}  init ${init}  (${ok}${ceiling}: ≤ 400 KB, ≤ 120 ms)`);
      console.log(`${''.padEnd(12)} read by module init ${(r.initBytes / 1024).toFixed(1)} KB, whole asset ${(r.totalBytes / 1024).toFixed(1)} KB`);
      console.log(`${''.padEnd(12)} largest: ${r.topInputs.map((t) => `${t.input} ${(t.bytes / 1024).toFixed(0)} KB`).join(', ')}`);
    }
  });
}
