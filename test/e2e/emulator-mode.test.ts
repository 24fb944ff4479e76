import { Tag } from '../../src/contract/tags';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { CreateTagsCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetPolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { Vm } from '../../src/contract/vm-api';
import { adfToText } from '../../scripts/preview/adf-text';
import { ROOT } from '../../scripts/preview/build-pages';
import { bootstrapEmulator, EmulatorBootstrapError, EMULATOR_VARIABLES, PREVIEW_NAMES } from '../../scripts/preview/emulator-bootstrap';
import { startPreview, type Preview } from '../../scripts/preview/server';
import { ISSUE, PEOPLE, siteSeed, STATUS } from '../../scripts/preview/site';

/**
 * The preview's emulator mode (issue 12, item 12) against an EMPTY emulator: the repository's AWS
 * stand-in run as its own HTTP server with `--strict-resources` (it refuses subnets, launch
 * templates, policies, file systems and buckets nobody created, as moto and LocalStack do) and
 * `--moto-compatible` (the client-token filter fails as in moto 5.2.2). The
 * preview's bootstrap creates what the stack would have, twice without change, then the story runs
 * through the preview's wiring: two VMs, running comments, a scheduled stop with one VM kept
 * running, a scheduled start, terminate on Closed, and a new VM for the reopened issue.
 */

const ZONE = 'America/New_York';
function hhmm(t: number): string {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  return `${p.hour}:${p.minute}`;
}
const t0 = Date.now();
const START = hhmm(t0 - 2 * 3600_000);
const STOP = hhmm(t0 + 2 * 3600_000);
const ALL_DAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];
const minute = (ms: number) => new Date(ms - (ms % 60_000));

let emulator: ChildProcess;
let emulatorEnv: Record<string, string>;
let preview: Preview | undefined;
const savedEnv = { ...process.env };

/**
 * `npx tsx local/aws/main.ts --strict-resources --moto-compatible`: empty, and failing like moto 5
 * on what moto lacks (DescribeInstances' client-token filter). Its URL and credentials from its output.
 */
async function startEmptyEmulator(): Promise<{ child: ChildProcess; env: Record<string, string> }> {
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), ['local/aws/main.ts', '--port', '0', '--transition-seconds', '0', '--strict-resources', '--moto-compatible'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const env = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${out}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`emulator exited ${code}: ${out}`)));
    const onData = (d: Buffer) => {
      out += d.toString('utf8');
      const vars = Object.fromEntries([...out.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]));
      if (vars.AWS_ENDPOINT_URL && vars.AWS_SECRET_ACCESS_KEY) {
        clearTimeout(timer);
        resolve(vars);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  });
  return { child, env };
}

beforeAll(async () => {
  process.env.DEV_VM_SILENT_LOGS = '1';
  ({ child: emulator, env: emulatorEnv } = await startEmptyEmulator());
  // The app and the preview reach the emulator as they would LocalStack: through the environment.
  for (const k of EMULATOR_VARIABLES) delete process.env[k];
  Object.assign(process.env, emulatorEnv);
}, 90_000);

afterAll(async () => {
  await preview?.close();
  emulator?.kill('SIGTERM');
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
});

const clientConfig = () => ({ endpoint: emulatorEnv.AWS_ENDPOINT_URL as string, region: emulatorEnv.AWS_REGION as string, credentials: { accessKeyId: emulatorEnv.AWS_ACCESS_KEY_ID as string, secretAccessKey: emulatorEnv.AWS_SECRET_ACCESS_KEY as string } });

describe('the preview against an empty emulator', () => {
  it('starts empty: the bucket and the instance policy the Lambdas need do not exist yet', async () => {
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
    const iam = new IAMClient(clientConfig());
    try {
      await expect(s3.send(new HeadBucketCommand({ Bucket: PREVIEW_NAMES.bucket }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
      await expect(iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::123456789012:policy/dev-vm/dev-vm-instance' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    } finally {
      s3.destroy();
      iam.destroy();
    }
  });

  it('bootstraps every resource, and a second run finds them all and changes nothing', async () => {
    const first = await bootstrapEmulator({ clientConfig: clientConfig(), given: {} });
    expect(first.items.map((i) => [i.variable, i.status])).toEqual(EMULATOR_VARIABLES.map((v) => [v, 'created']));
    expect(first.env.VM_SUBNET_IDS).toMatch(/^subnet-[0-9a-f]+,subnet-[0-9a-f]+$/);
    expect(Object.keys(JSON.parse(first.env.LAUNCH_TEMPLATES) as object)).toEqual(['al2023', 'ubuntu-24.04']);
    expect(first.env.INSTANCE_POLICY_ARN).toMatch(/:policy\/dev-vm\/dev-vm-instance$/);
    const second = await bootstrapEmulator({ clientConfig: clientConfig(), given: {} });
    expect(second.items.map((i) => i.status)).toEqual(EMULATOR_VARIABLES.map(() => 'found'));
    expect(second.env).toEqual(first.env);
  });

  it('says what is missing, by variable and cause, when a named resource is not in the emulator', async () => {
    const attempt = bootstrapEmulator({ clientConfig: clientConfig(), given: { VM_SUBNET_IDS: 'subnet-0123456789abcdef0', INSTANCE_BOUNDARY_ARN: 'arn:aws:iam::123456789012:policy/nope' } });
    await expect(attempt).rejects.toBeInstanceOf(EmulatorBootstrapError);
    const err = (await attempt.catch((e: unknown) => e)) as EmulatorBootstrapError;
    expect(err.missing.map((m) => m.variable)).toEqual(['VM_SUBNET_IDS', 'INSTANCE_BOUNDARY_ARN']);
    expect(err.message).toMatch(/VM_SUBNET_IDS: InvalidSubnetID\.NotFound.*subnet-0123456789abcdef0/);
    expect(err.message).toMatch(/INSTANCE_BOUNDARY_ARN: NoSuchEntity.*policy\/nope/);
  });

  it('runs the story through the preview wiring: two VMs, stop/start, keep running, terminate, re-provision', async () => {
    preview = await startPreview({
      port: 0,
      pages: false,
      databases: false,
      dbSuffix: 'emulator',
      awsEndpointUrl: emulatorEnv.AWS_ENDPOINT_URL as string,
      onClose: 'terminate',
      lambdaLogLevel: 'SILENT',
      request: { client: 'acme-corp', developer: 'jdoe', instanceType: 't3.large', os: 'ubuntu-24.04', start: START, stop: STOP, timezone: ZONE, days: ALL_DAYS },
    });
    const { stack } = preview;
    expect(stack.emulator?.items.map((i) => i.status)).toEqual(EMULATOR_VARIABLES.map(() => 'found'));
    // A second request issue of the same developer (the identity map ties the demo user to jdoe).
    const seed = siteSeed({ client: 'acme-corp', developer: 'jdoe', instanceType: 't3.large', os: 'al2023', start: START, stop: STOP, timezone: ZONE, days: ALL_DAYS }).issues?.[0];
    stack.forge.jira.addIssue({ ...(seed as NonNullable<typeof seed>), id: '10002', key: 'OPS-2' });
    const comments = (key: string) => stack.forge.jira.commentsOn(key).map((c) => adfToText(c.body));
    const vmOf = (key: string) => (stack.forge.jira.property(key, 'dev-vm') as { vm?: Vm } | undefined)?.vm;
    const ec2 = new EC2Client(clientConfig());
    const stateOf = async (id: string) => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0]?.State?.Name;

    try {
      // Two VMs (every provision after the first used to fail at the client-token lookup on moto).
      await stack.transition(ISSUE.key, STATUS.ready);
      await stack.transition('OPS-2', STATUS.ready);
      const first = vmOf(ISSUE.key)?.id as string;
      const second = vmOf('OPS-2')?.id as string;
      expect(first).toMatch(/^i-/);
      expect(second).toMatch(/^i-/);
      expect(second).not.toBe(first);
      expect(comments('OPS-2').join('\n')).toContain(`instance ${second}`);

      // The scheduler: both are running → "first boot under way" through notifier and web trigger.
      // The connection details follow the VM's ready signal, an AWS event (Tag Change on Resource)
      // that an emulator's default bus does not deliver here (test/e2e/ready-signal.test.ts covers it).
      const r1 = await stack.runScheduler(new Date());
      expect(r1.deliveries.map((d) => [d.issueKey, d.type, d.result.delivered])).toEqual(
        expect.arrayContaining([
          [ISSUE.key, 'vm.running', true],
          ['OPS-2', 'vm.running', true],
        ]),
      );
      expect(comments(ISSUE.key).at(-1)).toMatch(/finishing its first boot/);
      expect(await stack.deliverAwsEvents()).toEqual([]);
      // Their user data finishes: each VM writes its DevVmBootStatus tag. The emulator's bus delivers
      // no event for it, but the reconciler's boot deadline reads the tag (no false "boot failed").
      await ec2.send(new CreateTagsCommand({ Resources: [first, second], Tags: [{ Key: Tag.BootStatus, Value: 'ready' }] }));

      // Keep OPS-2 running past today's stop, from its panel.
      const kept = (await stack.invoke('panel.keepRunning', { until: new Date(t0 + 3 * 3600_000).toISOString() }, { accountId: PEOPLE.developer.accountId, issueKey: 'OPS-2' })) as { ok: boolean };
      expect(kept.ok).toBe(true);

      // Five minutes past AutoStop: the first stops, the kept one does not.
      const afterStop = minute(t0 + 2 * 3600_000 + 5 * 60_000);
      const r2 = await stack.runScheduler(afterStop);
      expect(r2.summary.detail.stopped[first]).toContain(`AutoStop ${STOP}`);
      expect(r2.summary.detail.skipped[second]).toMatch(/KeepRunningUntil/);
      expect(r2.deliveries.map((d) => [d.issueKey, d.type, d.result.delivered])).toEqual([[ISSUE.key, 'vm.stopped', true]]);
      expect(vmOf(ISSUE.key)?.state).toBe('stopped');
      expect(await stateOf(second)).toBe('running');

      // Next day's AutoStart starts it; the run after announces it running.
      const afterStart = minute(t0 + 22 * 3600_000 + 5 * 60_000);
      const r3 = await stack.runScheduler(afterStart);
      expect(Object.keys(r3.summary.detail.started)).toEqual([first]);
      const r4 = await stack.runScheduler(new Date(afterStart.getTime() + 5 * 60_000));
      expect(r4.deliveries.map((d) => [d.issueKey, d.type, d.result.delivered])).toEqual([[ISSUE.key, 'vm.running', true]]);
      expect(vmOf(ISSUE.key)?.state).toBe('running');

      // Closed terminates it (onClose: terminate); reopened to Ready, the issue gets a new VM at once.
      await stack.transition(ISSUE.key, STATUS.closed);
      expect(['shutting-down', 'terminated']).toContain(await stateOf(first));
      await stack.transition(ISSUE.key, STATUS.ready);
      const third = vmOf(ISSUE.key)?.id as string;
      expect(third).toMatch(/^i-/);
      expect(third).not.toBe(first);
      expect(comments(ISSUE.key).filter((c) => c.includes('Dev VM requested'))).toHaveLength(2);

      // The next run announces the termination; it concerns the old VM, so the new one stays on record.
      const r5 = await stack.runScheduler(new Date(afterStart.getTime() + 10 * 60_000));
      expect(r5.deliveries.filter((d) => d.type === 'vm.terminated').map((d) => [d.issueKey, d.result.delivered])).toEqual([[ISSUE.key, true]]);
      expect(vmOf(ISSUE.key)?.id).toBe(third);
      expect(stack.forge.violations()).toEqual([]);
    } finally {
      ec2.destroy();
    }
  });
});
