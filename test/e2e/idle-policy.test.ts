import { CreateTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DEFAULT_IDLE_RULES } from '../../src/contract/idle-policy';
import type { Vm } from '../../src/contract/vm-api';
import { startPreview, type Preview } from '../../scripts/preview/server';
import { ISSUE, PEOPLE, STATUS } from '../../scripts/preview/site';

/**
 * Issue 13: the admin's idle and stop rules reach the reconciler, through every layer with the
 * preview's wiring. The admin page saves idleStopMinutes = 45 (admin.save resolver) → the Forge app
 * signs PUT /policy → function URL → the real VM API handler → SSM PutParameter on the simulated
 * AWS → the next reconciler run (real run.ts and wiring, Powertools Parameters) reads it and stops
 * a VM idle for 49 minutes, which the default 60 minutes had left running one run earlier.
 * Activity is measured as in AWS: Session Manager's history (DescribeSessions) and CloudWatch
 * CPUUtilization (GetMetricData, no samples: the VM is quiet).
 */

const ZONE = 'Europe/Berlin';
const PARAMETER = '/dev-vm/idle-policy';
let preview: Preview;
let ec2: EC2Client;

beforeAll(async () => {
  process.env.DEV_VM_SILENT_LOGS = '1';
  preview = await startPreview({
    port: 0,
    pages: false,
    databases: false,
    dbSuffix: 'idlepolicy',
    request: { client: 'acme-corp', developer: 'jdoe', instanceType: 't3.large', os: 'ubuntu-24.04', start: '08:00', stop: '18:00', timezone: ZONE, days: ['MON', 'TUE', 'WED', 'THU', 'FRI'] },
    transitionSeconds: 0,
    lambdaLogLevel: 'SILENT',
  });
  ec2 = new EC2Client({});
}, 120_000);

afterAll(async () => {
  ec2?.destroy();
  await preview?.close();
});

const vmOf = (key: string) => (preview.stack.forge.jira.property(key, 'dev-vm') as { vm?: Vm } | undefined)?.vm;
const minutes = (n: number) => n * 60_000;

test('admin saves idleStopMinutes = 45, and the next reconciler run stops a VM idle for 49 minutes', async () => {
  const { stack } = preview;
  const aws = stack.standIn;
  if (!aws) throw new Error('this test needs the simulated AWS');
  await stack.transition(ISSUE.key, STATUS.ready);
  const id = vmOf(ISSUE.key)?.id as string;
  aws.settle();
  // What the VM itself does: its first boot signals ready. The working hours are switched off, so
  // only the idle rule can stop it whatever the wall clock says.
  await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'DevVmBootStatus', Value: 'ready' }, { Key: 'AutoSchedule', Value: 'off' }] }));

  const t0 = Date.now() + minutes(1);
  // The developer used the VM for a minute over Session Manager, right after it came up.
  aws.state.sessions.push({ sessionId: 'jdoe-0a1b2c3d4e5f6a7b8', target: id, owner: `arn:aws:iam::123456789012:user/jdoe`, status: 'Terminated', startDate: t0 - minutes(1), endDate: t0 });

  // The preview's admin saved the settings at start: the default rules (60 minutes) are in force.
  expect(JSON.parse(aws.state.parameters.get(PARAMETER)?.value ?? '{}')).toMatchObject({ idleStopMinutes: 60 });
  const first = await stack.runScheduler(new Date(t0));
  expect(first.summary).toMatchObject({ activityMeasured: true, policySource: 'parameter', idleStopMinutes: 60, stopped: 0 });

  // 48 minutes idle: 60 minutes keep it running.
  const before = await stack.runScheduler(new Date(t0 + minutes(48)));
  expect(before.summary).toMatchObject({ policySource: 'parameter', idleStopMinutes: 60, stopped: 0 });

  // The admin page saves the idle and stop rules.
  const saved = (await stack.invoke('admin.save', { settings: { ...stack.settings, idle: { ...DEFAULT_IDLE_RULES, idleStopMinutes: 45 } }, secrets: {} }, { accountId: PEOPLE.admin.accountId })) as { ok: boolean; data?: { changed: string[] } };
  expect(saved).toMatchObject({ ok: true, data: { changed: ['idle.idleStopMinutes'] } });
  const stored = aws.state.parameters.get(PARAMETER);
  expect(stored?.type).toBe('String');
  expect(JSON.parse(stored?.value ?? '{}')).toEqual({ ...DEFAULT_IDLE_RULES, idleStopMinutes: 45, idleDays: stack.settings.policy.idleDays });

  const after = await stack.runScheduler(new Date(t0 + minutes(49)));
  expect(after.summary).toMatchObject({ policySource: 'parameter', idleStopMinutes: 45, stopped: 1, idleStopped: 1 });
  expect(after.summary.detail.stopped[id]).toMatch(/^idle for 49 minutes \(no session or sustained CPU since /);
  expect(aws.state.instances.get(id)?.state).toMatch(/^stopp/);
  // Both activity sources were asked, as on AWS.
  const served = (service: string, operation: string) => aws.state.calls.filter((c) => c.service === service && c.operation === operation).length;
  expect(served('monitoring', 'GetMetricData')).toBeGreaterThanOrEqual(3);
  expect(served('ssm', 'GetParameter')).toBeGreaterThanOrEqual(3);
  expect(stack.forge.violations()).toEqual([]);
});
