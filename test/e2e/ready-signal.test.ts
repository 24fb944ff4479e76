import { CreateTagsCommand, EC2Client, StartInstancesCommand } from '@aws-sdk/client-ec2';
import type { Vm } from '../../src/contract/vm-api';
import { adfToText } from '../../scripts/preview/adf-text';
import { startPreview, type Preview } from '../../scripts/preview/server';
import { ISSUE, siteSeed, STATUS } from '../../scripts/preview/site';

/**
 * Issue 13, item 5, through every layer with the preview's wiring and NO reconciler run:
 * Ready transition → VM API launches the instance (simulated AWS) → EC2's state-change event on the
 * default bus → the stack's rule → notifier (DescribeInstances, ManagedBy) → HMAC web trigger →
 * "finishing its first boot" comment; then the VM's user data writes its DevVmBootStatus tag step
 * by step and finally `ready` → Tag Change event → rule → notifier → web trigger → "Your dev VM is
 * ready" with the connection details. A second VM whose first boot fails at mounting its home
 * gets the failure comment naming that step, and never a "ready".
 * No database: the story is about events (the databases are proven by provision-to-stop).
 */

const ZONE = 'Europe/Berlin';
const request = (developer: string) => ({ client: 'acme-corp', developer, instanceType: 't3.large', os: 'ubuntu-24.04' as const, start: '08:00', stop: '18:00', timezone: ZONE, days: ['MON', 'TUE', 'WED', 'THU', 'FRI'] });

let preview: Preview;
let ec2: EC2Client;

beforeAll(async () => {
  process.env.DEV_VM_SILENT_LOGS = '1';
  preview = await startPreview({ port: 0, pages: false, databases: false, dbSuffix: 'ready', request: request('jdoe'), transitionSeconds: 0, lambdaLogLevel: 'SILENT' });
  ec2 = new EC2Client({});
}, 120_000);

afterAll(async () => {
  ec2?.destroy();
  await preview?.close();
});

const comments = (key: string) => preview.stack.forge.jira.commentsOn(key).map((c) => adfToText(c.body));
const vmOf = (key: string) => (preview.stack.forge.jira.property(key, 'dev-vm') as { vm?: Vm } | undefined)?.vm;
/** The rendered user data the VM API launched the instance with. */
const userDataOf = (id: string) => Buffer.from(preview.stack.standIn?.state.instances.get(id)?.userData ?? '', 'base64').toString('utf8');
/** What `boot_status <value>` in the user data does on the instance: `aws ec2 create-tags` on itself. */
const bootStatus = (id: string, value: string) => ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'DevVmBootStatus', Value: value }] }));
const reconcilerCalls = () => (preview.stack.standIn?.state.calls ?? []).filter((c) => c.service === 's3');

describe('ready means ready, event-driven', () => {
  it('posts "first boot under way" when EC2 reports running, and the connection details only after the VM signals ready, without a reconciler run', async () => {
    const { stack } = preview;
    await stack.transition(ISSUE.key, STATUS.ready);
    const id = vmOf(ISSUE.key)?.id as string;
    expect(id).toMatch(/^i-/);

    // EC2: pending → running. Its state-change event reaches the web trigger through the rule.
    const first = await stack.deliverAwsEvents();
    expect(first.map((d) => [d.type, d.result.delivered])).toEqual([['aws.ec2/EC2 Instance State-change Notification', true]]);
    expect(comments(ISSUE.key).at(-1)).toMatch(/^Dev VM is running since .* finishing its first boot .*Do not connect yet/);
    expect(comments(ISSUE.key).join('\n')).not.toContain('aws ssm start-session');
    expect(vmOf(ISSUE.key)?.state).toBe('running');

    // The user data announces each of its steps and ends with the ready signal.
    const script = userDataOf(id);
    const announced = [...script.matchAll(/^begin_step (\S+)$/gm)].map((m) => m[1] as string);
    // Both branches of the tools section are in the script: the golden image's check, and the
    // installs a stock AMI (no golden-image marker, as here) runs instead.
    expect(announced).toEqual(['packages', 'packages', 'efs-utils', 'user', 'home', 'credentials', 'profile']);
    const steps = announced.slice(1);
    expect(script.trimEnd().split('\n').at(-1)).toBe('boot_status ready');
    for (const step of steps) await bootStatus(id, `step:${step}`);
    const during = await stack.deliverAwsEvents();
    expect(during.map((d) => d.result)).toEqual(steps.map(() => expect.objectContaining({ delivered: false, reason: 'not-a-lifecycle-event' })));
    expect(comments(ISSUE.key)).toHaveLength(2);

    await bootStatus(id, 'ready');
    const ready = await stack.deliverAwsEvents();
    expect(ready.map((d) => [d.type, d.result.delivered])).toEqual([['aws.tag/Tag Change on Resource', true]]);
    const text = comments(ISSUE.key).at(-1) as string;
    expect(text).toMatch(/^Your dev VM is ready\./);
    expect(text).toContain(`aws ssm start-session --target ${id}`);
    expect(comments(ISSUE.key)).toHaveLength(3);

    // Zero reconciler intervals: every reconciler run reads its state file from S3, and S3 was never called.
    expect(reconcilerCalls()).toEqual([]);
    expect(stack.forge.violations()).toEqual([]);
  });

  it('a first boot that fails names the failing step, and posts no connection details', async () => {
    const { stack } = preview;
    // A second request of the same developer (the identity map ties the demo user to one developer name).
    const seed = siteSeed(request('jdoe')).issues?.[0];
    stack.forge.jira.addIssue({ ...(seed as NonNullable<typeof seed>), id: '10002', key: 'OPS-2' });
    await stack.transition('OPS-2', STATUS.ready);
    const id = vmOf('OPS-2')?.id as string;
    await stack.deliverAwsEvents();
    await bootStatus(id, 'step:home');
    expect((await stack.deliverAwsEvents()).map((d) => d.result.delivered)).toEqual([false]);
    await bootStatus(id, 'failed:home');
    expect((await stack.deliverAwsEvents()).map((d) => d.result.delivered)).toEqual([true]);
    const text = comments('OPS-2').at(-1) as string;
    expect(text).toMatch(/did not finish its first boot \(failed while mounting the home directory from EFS, step home\)/);
    expect(text).toContain(id);
    expect(comments('OPS-2').join('\n')).not.toContain('aws ssm start-session');
    expect(reconcilerCalls()).toEqual([]);
  });

  it('a state change of an instance this stack does not manage reaches the notifier and is dropped', async () => {
    const { stack } = preview;
    const other = stack.standIn?.seedInstances({ count: 1, tags: { Name: 'not-ours' }, state: 'stopped' })[0] as string;
    await stack.deliverAwsEvents();
    await ec2.send(new StartInstancesCommand({ InstanceIds: [other] }));
    const d = await stack.deliverAwsEvents();
    expect(d.map((x) => x.result)).toEqual([expect.objectContaining({ delivered: false, reason: 'not-a-lifecycle-event', detail: `instance ${other} is not managed by this stack` })]);
  });
});
