import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type { Connection } from 'mysql2/promise';
import type { Client } from 'pg';
import { CHUNK_DIR, ENTRY_FILE, REPO_ROOT } from '../../infra-cdk/lib/bundling';
import { BundlingLambdaFactory } from '../../infra-cdk/lib/lambda-factory';
import { developerClientLoginName } from '../../infra-cdk/lambda/shared/resource-names';
import { startAwsStandIn, type AwsStandIn } from '../../local/aws';
import { createMysqlMaster, createPgMaster, MY, myRoot, PG, pgSuper, randomSuffix } from '../db/support';
import { ENV, event } from '../lambda/vm-api/support';

// The production factory, on a bare stack: each handler is bundled by the local esbuild (no
// Docker) into a minified ES module plus the chunks it loads lazily, with the AWS SDK left to
// the runtime. Then each asset, exactly as synthesized, is run in a fresh Node process against
// the AWS stand-in: the VM API through a provision (which loads the database chunks, pg and
// mysql2, from the asset), the reconciler through a run, the notifier through a delivery.
const app = new App({ context: { 'aws:cdk:bundling-stacks': ['**'] } });
const stack = new Stack(app, 'Bundles');
const factory = new BundlingLambdaFactory();
const entries = ['vm-api/handler.ts', 'reconciler/handler.ts', 'notifier/handler.ts'];
const fns = entries.map((entry, i) => factory.create(stack, `Fn${i}`, { entry, serviceName: `svc-${i}`, description: entry, environment: {} }));
const assembly = app.synth();
const template = Template.fromStack(stack);

function assetDir(i: number): string {
  const asset = fns[i]!.node.findChild('Code') as s3assets.Asset;
  return path.join(assembly.directory, asset.assetPath);
}
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => path.relative(dir, path.join(d.parentPath, d.name)));
}

describe('production Lambda factory (local esbuild, ES modules with code splitting)', () => {
  it.each(entries.map((e, i) => [e, i] as const))('bundles %s into a minified index.mjs and its chunks, without the AWS SDK', (_entry, i) => {
    const fn = template.toJSON().Resources[stack.getLogicalId(fns[i]!.node.defaultChild as never)];
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
    const dir = assetDir(i);
    const files = filesUnder(dir);
    expect(files).toContain(ENTRY_FILE);
    // Everything else is a lazily loaded chunk: no stray outputs, no source maps.
    expect(files.filter((f) => f !== ENTRY_FILE).every((f) => f.startsWith(`${CHUNK_DIR}/`) && f.endsWith('.mjs'))).toBe(true);
    const code = files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
    expect(code).not.toMatch(/^\/\/ (infra-cdk|src|node_modules)\//m); // minified: no per-module path comments
    expect(code).not.toMatch(/node_modules\/@aws-sdk\/client-/); // the SDK stays external…
    expect(code).toMatch(/(from|import\()"@aws-sdk\/client-[a-z0-9-]+"/); // …and is loaded as an ES module
    expect(code).not.toMatch(/require\("@aws-sdk\//); // never through require: one SDK build per process
  });

  it('ships the VM API database drivers as chunks of the asset that index.mjs does not import at init', () => {
    const dir = assetDir(0);
    const index = fs.readFileSync(path.join(dir, ENTRY_FILE), 'utf8');
    const chunks = filesUnder(dir).filter((f) => f.startsWith(`${CHUNK_DIR}/`));
    const holding = (marker: RegExp) => chunks.filter((f) => marker.test(fs.readFileSync(path.join(dir, f), 'utf8')));
    // mysql2's error table and pg's SCRAM client are unmistakable.
    const mysqlChunks = holding(/ER_ACCESS_DENIED_ERROR/);
    const pgChunks = holding(/SCRAM-SHA-256-PLUS/);
    expect(mysqlChunks).toHaveLength(1);
    expect(pgChunks).toHaveLength(1);
    // index.mjs reaches them only through dynamic import() chains, never a static import.
    const staticImports = [...index.matchAll(/(?:^|[;}])\s*import\s*[^("'][^;]*?from\s*"\.\/([^"]+)"/g)].map((m) => m[1]);
    for (const f of [...mysqlChunks, ...pgChunks]) expect(staticImports).not.toContain(f);
    expect(fs.statSync(path.join(dir, mysqlChunks[0]!)).size).toBeGreaterThan(100 * 1024);
  });
});

/**
 * Runs a synthesized asset as the runtime does: a fresh Node process imports its index.mjs by file
 * URL and calls `handler` with each event in turn. The copy sits under the repository's
 * node_modules, so `import "@aws-sdk/…"` finds the SDK the way the runtime's NODE_PATH finds its
 * own copy. Asynchronous: the AWS stand-in answers from this process while the child runs.
 */
async function runAsset(i: number, runDir: string, env: Record<string, string>, events: unknown[]): Promise<unknown[]> {
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.cpSync(assetDir(i), runDir, { recursive: true });
  const driver = [
    `const events = ${JSON.stringify(events)};`,
    `import(${JSON.stringify(new URL(`file://${path.join(runDir, ENTRY_FILE)}`).href)}).then(async (m) => {`,
    '  const out = [];',
    '  for (const e of events) out.push(await m.handler(e));',
    "  process.stdout.write('\\nRESULT ' + JSON.stringify(out) + '\\n');",
    '  process.exit(0);',
    '});',
  ].join('\n');
  const quiet = { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_TRACE_ENABLED: 'false' };
  const run = await promisify(execFile)(process.execPath, ['-e', driver], { env: { PATH: process.env.PATH ?? '', ...env, ...quiet }, encoding: 'utf8', cwd: runDir, timeout: 60_000 }).catch(
    (e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? String(e) }),
  );
  const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  expect({ line: line !== undefined, stderr: line ? '' : run.stderr.slice(0, 2000) }).toEqual({ line: true, stderr: '' });
  return JSON.parse(line!.slice('RESULT '.length)) as unknown[];
}

describe('the synthesized assets, run as Lambda runs them', () => {
  const sfx = randomSuffix();
  const client = `b${sfx}-acme`;
  const developer = `b${sfx}-bob`;
  const database = `client_b${sfx}_acme`;
  const login = developerClientLoginName(developer, client);
  const pgMaster = `bundle_pg_${sfx}`;
  const myMaster = `bundle_my_${sfx}`;
  const runDir = path.join(REPO_ROOT, 'node_modules', '.cache', `bundle-run-${sfx}`);
  let aws: AwsStandIn;
  let sm: SecretsManagerClient;
  let su: Client;
  let root: Connection;

  beforeAll(async () => {
    aws = await startAwsStandIn({ transitionSeconds: 0 });
    sm = new SecretsManagerClient({ ...aws.clientConfig(), maxAttempts: 1 });
    su = await pgSuper();
    root = await myRoot();
    await createPgMaster(su, pgMaster, 'pg-master-pw');
    await createMysqlMaster(root, myMaster, 'my-master-pw');
  });
  afterAll(async () => {
    await su.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);
    await su.query(`DROP DATABASE IF EXISTS ${database}`);
    for (const r of [login, database, pgMaster]) await su.query(`DROP ROLE IF EXISTS ${r}`);
    await root.query(`DROP DATABASE IF EXISTS \`${database}\``);
    for (const u of [login, myMaster]) await root.query(`DROP USER IF EXISTS ?@'%'`, [u]);
    await root.query(`DROP ROLE IF EXISTS ${database}`).catch(() => undefined);
    await su.end();
    await root.end();
    sm.destroy();
    await aws.close();
    fs.rmSync(runDir, { recursive: true, force: true });
  });

  it('VM API: provisions a VM with both databases, then lists it', async () => {
    const secret = async (name: string, username: string, password: string, host: string, port: number) =>
      (await sm.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify({ username, password, host, port }) }))).ARN!;
    const env = {
      ...ENV,
      ...aws.env(),
      POSTGRES_SECRET_ARN: await secret(`dev-vm/rds/bpg-${sfx}`, pgMaster, 'pg-master-pw', PG.host, PG.port),
      POSTGRES_HOST: PG.host,
      POSTGRES_PORT: String(PG.port),
      MYSQL_SECRET_ARN: await secret(`dev-vm/rds/bmy-${sfx}`, myMaster, 'my-master-pw', MY.host, MY.port),
      MYSQL_HOST: MY.host,
      MYSQL_PORT: String(MY.port),
    };
    const body = { issueKey: 'OPS-7', client, developer, instanceType: 't3.large', os: 'al2023', schedule: { start: '08:00', stop: '18:00', timezone: 'UTC' }, idempotencyKey: `bundle-${sfx}` };
    const events = [event('POST', '/vms', { body }), event('GET', '/vms', { query: { issueKey: 'OPS-7' } })];
    const [provisioned, listed] = (await runAsset(0, runDir, env, events)) as { statusCode: number; body: string }[];
    expect({ status: provisioned!.statusCode, body: provisioned!.statusCode === 202 ? '' : provisioned!.body }).toEqual({ status: 202, body: '' });
    const vm = JSON.parse(provisioned!.body) as { id: string; connection: { databases: { engine: string; database: string; user: string }[] } };
    expect(vm.connection.databases.map((d) => [d.engine, d.database, d.user])).toEqual([
      ['postgres', database, login],
      ['mysql', database, login],
    ]);
    expect(listed!.statusCode).toBe(200);
    expect((JSON.parse(listed!.body) as { vms: { id: string }[] }).vms.map((v) => v.id)).toEqual([vm.id]);
    // The databases really exist: the chunks did the work, not a fallback.
    expect((await su.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount).toBe(1);
    const [rows] = await root.query<import('mysql2').RowDataPacket[]>('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database]);
    expect(rows).toHaveLength(1);
  });
  it('reconciler: one run over a managed VM commits the state', async () => {
    const bucket = `bundle-state-${sfx}`;
    aws.state.buckets.add(bucket);
    aws.seedInstances({ count: 1, tags: { ManagedBy: ENV.MANAGED_BY, JiraIssue: 'OPS-8', AutoSchedule: 'off' } });
    const env = { ...aws.env(), MANAGED_BY: ENV.MANAGED_BY, SECRET_PREFIX: ENV.SECRET_PREFIX, EVENT_BUS_NAME: 'default', STATE_BUCKET: bucket, IDLE_POLICY_PARAMETER: '/dev-vm/idle-policy' };
    // Every managed VM of the stand-in, the one the VM API test provisioned included.
    const managed = [...aws.state.instances.values()].filter((i) => i.tags.get('ManagedBy') === ENV.MANAGED_BY).length;
    try {
      const [summary] = await runAsset(1, `${runDir}-reconciler`, env, [{}]);
      expect(summary).toMatchObject({ committed: true, seen: managed, failed: 0 });
      expect([...aws.state.objects.keys()]).toContain(`${bucket}/scheduler/state.json`);
    } finally {
      fs.rmSync(`${runDir}-reconciler`, { recursive: true, force: true });
    }
  });
  it('notifier: reads its URL parameter and secret and posts the signed event', async () => {
    const received: { headers: Record<string, unknown>; body: string }[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const ssm = new SSMClient({ ...aws.clientConfig(), maxAttempts: 1 });
    try {
      const port = (hook.address() as { port: number }).port;
      await ssm.send(new PutParameterCommand({ Name: `/bundle-${sfx}/webtrigger-url`, Value: `http://127.0.0.1:${port}/hook`, Type: 'String' }));
      const hmac = (await sm.send(new CreateSecretCommand({ Name: `dev-vm/bundle-hmac-${sfx}`, SecretString: 'bundle-secret' }))).ARN!;
      const env = { ...aws.env(), MANAGED_BY: ENV.MANAGED_BY, SECRET_PREFIX: ENV.SECRET_PREFIX, EVENT_BUS_NAME: 'default', STATE_BUCKET: 'unused', HMAC_SECRET_ARN: hmac, WEBTRIGGER_URL_PARAMETER: `/bundle-${sfx}/webtrigger-url` };
      const detail = { id: '0b0e7c1e-3a52-4c0e-8d6b-7f5f1f8a9c21', type: 'vm.idle-warning', time: '2026-11-26T12:00:00.000Z', instanceId: 'i-0123456789abcdef0', issueKey: 'OPS-1', client: 'acme', developer: 'jdoe', cause: 'idle-reaper', terminateAt: '2026-11-29T12:00:00.000Z' };
      const [result] = await runAsset(2, `${runDir}-notifier`, env, [{ source: 'dev-vm-for-jira', 'detail-type': 'vm.idle-warning', detail }]);
      expect(result).toMatchObject({ delivered: true, status: 200 });
      expect(received).toHaveLength(1);
      const { headers, body } = received[0]!;
      expect(headers['x-devvm-signature']).toBe(`v1=${createHmac('sha256', 'bundle-secret').update(`${String(headers['x-devvm-timestamp'])}.${body}`).digest('hex')}`);
    } finally {
      ssm.destroy();
      hook.close();
      fs.rmSync(`${runDir}-notifier`, { recursive: true, force: true });
    }
  });
});
