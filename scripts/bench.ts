/**
 * `npm run bench`: one table of the figures the issues set targets for. Timings on a shared
 * 2-core machine are noisy, so counts and ratios come first and times are medians of repeats.
 * Nothing here is asserted in tests; the README quotes the latest run with its date and machine.
 *
 * Parts: `npm run bench -- fleet` (or `scheduler`, `lambda`, `ui`, `forge`, `ready`, several
 * separated by spaces) runs only those; no argument runs all. A part whose target is a hard limit
 * (fleet: first page ≤ 1 s) makes the run exit with status 1 when it is missed.
 */
import { cpus, totalmem } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { benchScheduler } from './bench/scheduler';
import { benchLambdaBundles, LAMBDA_BUNDLE_BUDGET_BYTES, LAMBDA_INIT_BUDGET_MS } from './bench/lambda-bundles';
import { PANEL_JS_BUDGET_GZIP, benchUiBundles, measureFirstRender } from './bench/ui-bundles';
import { benchTrigger } from './bench/trigger';
import { benchPanelActions } from './bench/panel-actions';
import { benchFleet, FLEET_FIRST_PAGE_BUDGET_MS, fleetBundle } from './bench/fleet';
import type { ReadyBench } from './bench/ready';

interface Row {
  area: string;
  measure: string;
  value: string;
  target: string;
}

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

const PARTS = ['scheduler', 'lambda', 'ui', 'fleet', 'forge', 'ready'] as const;
type Part = (typeof PARTS)[number];

function selectedParts(argv: readonly string[]): Set<Part> {
  const unknown = argv.filter((a) => !(PARTS as readonly string[]).includes(a));
  if (unknown.length) throw new Error(`unknown bench part(s) ${unknown.join(', ')}; parts: ${PARTS.join(', ')}`);
  return new Set((argv.length ? argv : PARTS) as Part[]);
}

async function main(): Promise<void> {
  const parts = selectedParts(process.argv.slice(2));
  const failures: string[] = [];
  const rows: Row[] = [];
  const push = (area: string, measure: string, value: string, target = ''): void => void rows.push({ area, measure, value, target });

  if (parts.has('scheduler')) for (const r of await benchScheduler()) {
    push('scheduler', `N=${r.instances}: EC2 calls per run (ours / seed)`, `${r.ec2Calls} / ${r.seedEc2Calls}`, 'grows with N/1000');
    push('scheduler', `N=${r.instances}: SSM DescribeSessions pages / CloudWatch GetMetricData calls per run`, `${r.ssmCalls} / ${r.cloudWatchCalls}`, 'grows with N/200 and N/500');
    push('scheduler', `N=${r.instances}: decision CPU`, `${r.decisionMs.toFixed(1)} ms`, r.instances === 10000 ? '≤ 500 ms' : '');
  }

  if (parts.has('lambda')) for (const b of await benchLambdaBundles()) {
    push('lambda', `${b.name}: bundle read by a cold start (minified; drivers loaded on demand excluded)`, kb(b.bytes), `≤ ${kb(LAMBDA_BUNDLE_BUDGET_BYTES)} (ceiling 1 MB)`);
    push('lambda', `${b.name}: read by module init / whole asset`, `${kb(b.initBytes)} / ${kb(b.totalBytes)}`);
    push('lambda', `${b.name}: module init over empty baseline`, `${b.initMs.toFixed(0)} ms`, `≤ ${LAMBDA_INIT_BUDGET_MS} ms`);
  }

  const buildDir = join(__dirname, '..', 'static', 'build');
  if ((parts.has('ui') || parts.has('fleet')) && (!existsSync(join(buildDir, 'issue-panel')) || !existsSync(join(buildDir, 'fleet')))) execFileSync('npm', ['run', 'build', '--workspace', 'static'], { stdio: 'inherit' });
  if (parts.has('ui')) {
    for (const p of benchUiBundles(buildDir)) {
      push('ui', `${p.page}: JS gzip`, kb(p.jsGzip), p.page === 'issue-panel' ? `≤ ${kb(PANEL_JS_BUDGET_GZIP)}` : '');
      push('ui', `${p.page}: CSS gzip`, kb(p.cssGzip));
    }
    for (const f of await measureFirstRender()) push('ui', `${f.page}: first render in Chromium (median)`, `${f.medianMs.toFixed(0)} ms`, '≤ 500 ms');
    const fb = fleetBundle(buildDir);
    if (fb) push('ui', 'fleet: JS gzip (own page, not loaded by the panel)', kb(fb.jsGzip));
  }

  if (parts.has('fleet')) {
    const { render: fr, list: fl } = await benchFleet(1000, 10_000);
    push('fleet', `N=${fr.vms}: first page (${fr.firstPageRows} rows) in Chromium (median)`, `${fr.firstPageMedianMs} ms`, `≤ ${FLEET_FIRST_PAGE_BUDGET_MS} ms`);
    if (fr.firstPageMedianMs > FLEET_FIRST_PAGE_BUDGET_MS) failures.push(`fleet first page ${fr.firstPageMedianMs} ms > ${FLEET_FIRST_PAGE_BUDGET_MS} ms`);
    push('fleet', `N=${fr.vms}: all rows rendered (median)`, `${fr.allRowsMedianMs} ms`);
    push('fleet', `N=${fl.vms}: fleet.list per page of 100 (median / p95)`, `${fl.medianMsPerPage.toFixed(0)} / ${fl.p95MsPerPage.toFixed(0)} ms`);
    push('fleet', `N=${fl.vms}: AWS calls per page (max)`, String(fl.maxAwsCallsPerPage), '≤ 2');
    if (fl.maxAwsCallsPerPage > 2) failures.push(`fleet.list made ${fl.maxAwsCallsPerPage} AWS calls on one page`);
    push('fleet', `N=${fl.vms}: AWS calls per page, by kind`, fl.awsCallsPerPage);
  }

  if (parts.has('forge')) {
    const t = await benchTrigger();
    push('forge', 'Jira calls per provision transition', String(t.jiraCallsPerTransition));
    push('forge', 'VM API calls per provision transition', String(t.apiCallsPerTransition), '1');
    push('forge', 'transition → signed POST /vms leaves (median / p95)', `${t.medianMsToApiCall.toFixed(1)} / ${t.p95MsToApiCall.toFixed(1)} ms`);
  }

  for (const p of await benchPanelActions()) push('forge', `Jira calls per panel action: ${p.action}`, String(p.jiraCalls), `≤ ${p.target}`);

  // Its own process: the Lambda handler modules keep the AWS clients of the first stack a process
  // starts (as a warm Lambda does), so a second stack in this process would talk to a closed one.
  if (parts.has('ready')) {
    const r = JSON.parse(execFileSync(process.execPath, [join(__dirname, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(__dirname, 'bench', 'ready.ts')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').at(-1) ?? '{}') as ReadyBench;
    push('ready', 'reconciler runs between "instance running" and its notice', String(r.reconcilerRunsBeforeRunningNotice), '0 (was: next run, ≤ 5 min)');
    push('ready', 'reconciler runs between the ready signal and "Your dev VM is ready"', String(r.reconcilerRunsBeforeReadyComment), '0');
    push('ready', 'ready tag → comment posted, local path (AWS adds EventBridge delivery)', `${r.readyTagToCommentMs.toFixed(0)} ms`, '≤ 60 s on AWS');
    for (const s of r.steps) push('ready', `${s.os}: first-boot steps without / with golden image`, `${s.plain} / ${s.golden}`);
  }

  const w = [0, 0, 0, 0];
  const cells = (r: Row): string[] => [r.area, r.measure, r.value, r.target];
  for (const r of rows) cells(r).forEach((c, i) => (w[i] = Math.max(w[i] ?? 0, c.length)));
  const line = (c: string[]): string => '| ' + c.map((x, i) => x.padEnd(w[i] ?? 0)).join(' | ') + ' |';
  console.log(`\nDev VM for Jira benchmark, ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
  console.log(line(['area', 'measure', 'value', 'target']));
  console.log('| ' + w.map((n) => '-'.repeat(n)).join(' | ') + ' |');
  for (const r of rows) console.log(line(cells(r)));
  if (failures.length) {
    console.error(`\nMissed: ${failures.join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
