import { randomBytes } from 'node:crypto';
import { DescribeAccessPointsCommand, EFSClient } from '@aws-sdk/client-efs';
import { CreateTagsCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import mysql from 'mysql2/promise';
import { Client } from 'pg';
import { clientDatabaseName } from '../../src/contract/names';
import { developerClientLoginName } from '../../infra-cdk/lambda/shared/resource-names';
import type { Vm } from '../../src/contract/vm-api';
import { adfToText } from '../../scripts/preview/adf-text';
import { dropDatabaseObjects, masterNames } from '../../scripts/preview/databases';
import { startPreview, type Preview } from '../../scripts/preview/server';
import { ISSUE, STATUS } from '../../scripts/preview/site';

/**
 * One run through every layer, with the wiring `npm start` uses (scripts/preview/):
 * Ready transition → onIssueUpdated → signed POST /vms → function URL (SigV4 verified) → VM API
 * handler → AWS (the stand-in, or the emulator at AWS_ENDPOINT_URL) with its tags, the EFS access
 * point and the client databases on the local PostgreSQL and MariaDB → reconciler → vm.running on
 * EventBridge → notifier → HMAC-signed HTTP web trigger → onLifecycleEvent → ADF comment and
 * issue property; then a clock past AutoStop in the VM's zone stops it; then Closed terminates it.
 * Names are unique per run; the databases and logins it created are dropped afterwards.
 */

const sfx = randomBytes(4).readUInt32BE(0).toString(36).padStart(7, 'x').slice(0, 7);
const ZONE = 'America/New_York';
const client = `e${sfx}-acme`;
const developer = `d${sfx}-jo`;
const database = clientDatabaseName(client);
const login = developerClientLoginName(developer, client);
const dbSuffix = `e2e_${sfx}`;

/** HH:MM in ZONE at instant t. */
function hhmm(t: number): string {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  return `${p.hour}:${p.minute}`;
}

// A window around the real time, so the first scheduler run (at the real time) sees no boundary
// whatever time CI runs at, and a frozen clock just past AutoStop does.
const t0 = Date.now();
const START = hhmm(t0 - 2 * 3600_000);
const STOP = hhmm(t0 + 2 * 3600_000);
const ALL_DAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];

let preview: Preview;
let ec2: EC2Client;
let efs: EFSClient;
let sm: SecretsManagerClient;

beforeAll(async () => {
  process.env.DEV_VM_SILENT_LOGS = '1';
  preview = await startPreview({
    port: 0,
    pages: false,
    dbSuffix,
    request: { client, developer, instanceType: 't3.large', os: 'ubuntu-24.04', start: START, stop: STOP, timezone: ZONE, days: ALL_DAYS },
    onClose: 'terminate',
    transitionSeconds: 0,
    lambdaLogLevel: process.env.E2E_LAMBDA_LOG_LEVEL ?? 'SILENT',
    ...(process.env.AWS_ENDPOINT_URL ? { awsEndpointUrl: process.env.AWS_ENDPOINT_URL } : {}),
  });
  // Clients for the assertions, built like the app's: the endpoint comes from AWS_ENDPOINT_URL.
  ec2 = new EC2Client({});
  efs = new EFSClient({});
  sm = new SecretsManagerClient({});
}, 120_000);

afterAll(async () => {
  for (const c of [ec2, efs, sm]) c?.destroy();
  await preview?.close();
  const masters = masterNames(dbSuffix);
  await dropDatabaseObjects({ databases: [database], pgRoles: [login, database, masters.postgres], mysqlUsers: [login, masters.mysql] });
});

const comments = () => preview.stack.forge.jira.commentsOn(ISSUE.key).map((c) => adfToText(c.body));
const property = () => preview.stack.forge.jira.property(ISSUE.key, 'dev-vm') as { vm?: Vm } | undefined;

async function instance(id: string) {
  const res = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  const i = res.Reservations?.[0]?.Instances?.[0];
  if (!i) throw new Error(`no instance ${id}`);
  return { state: i.State?.Name, tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])) };
}

describe('provision to stop, through every layer', () => {
  it('turns a Ready transition into a tagged VM with home and databases, announces it, stops it after hours and terminates it on Closed', async () => {
    const { stack } = preview;
    expect(stack.engines.map((e) => [e.engine, e.enabled])).toEqual([
      ['postgres', true],
      ['mysql', true],
    ]);

    // 1. The transition: the trigger signs POST /vms; the function URL verified the signature.
    await stack.transition(ISSUE.key, STATUS.ready);
    const provisionCalls = stack.functionUrl.calls.filter((c) => c.method === 'POST' && c.path === '/vms');
    expect(provisionCalls).toEqual([{ method: 'POST', path: '/vms', status: 202, auth: 'valid' }]);
    expect(stack.functionUrl.calls.filter((c) => c.auth !== 'valid')).toEqual([]);
    const requested = property()?.vm;
    expect(requested).toBeDefined();
    const id = (requested as Vm).id;
    expect(comments().join('\n')).toContain(`instance ${id}`);

    // 2. AWS: the instance and its tags.
    const created = await instance(id);
    expect(created.tags).toEqual(
      expect.objectContaining({
        Name: `dev-${client}-${developer}`,
        ClientName: client,
        DeveloperName: developer,
        Environment: 'dev',
        AutoStart: START,
        AutoStop: STOP,
        Timezone: ZONE,
        // The issue's checkbox of all seven days, read in range form (src/domain/vm-request.ts).
        AutoDays: 'MON-SUN',
        JiraIssue: ISSUE.key,
        ManagedBy: 'dev-vm-for-jira',
      }),
    );
    expect(Math.abs(Date.parse(created.tags.CreatedAt ?? '') - Date.now())).toBeLessThan(10 * 60_000);

    // The developer's EFS home: an access point with its own uid/gid and mode 0750.
    const aps = (await efs.send(new DescribeAccessPointsCommand({}))).AccessPoints ?? [];
    const home = aps.find((a) => a.RootDirectory?.Path === `/home/${developer}`);
    expect(home).toBeDefined();
    expect(home?.PosixUser?.Uid).toBeGreaterThanOrEqual(20000);
    expect(home?.PosixUser?.Gid).toBe(home?.PosixUser?.Uid);
    expect(home?.RootDirectory?.CreationInfo).toEqual(expect.objectContaining({ OwnerUid: home?.PosixUser?.Uid, OwnerGid: home?.PosixUser?.Gid, Permissions: '0750' }));

    // The client's databases: the developer logs in with the password from Secrets Manager.
    const dbs = (requested as Vm).connection.databases;
    expect(dbs.map((d) => [d.engine, d.database, d.user])).toEqual([
      ['postgres', database, login],
      ['mysql', database, login],
    ]);
    const secretName = dbs[0]?.secretName as string;
    const password = (JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: secretName }))).SecretString ?? '{}') as { password: string }).password;
    expect(password.length).toBeGreaterThanOrEqual(20);
    const pg = new Client({ host: dbs[0]?.host, port: dbs[0]?.port, user: login, password, database });
    await pg.connect();
    try {
      await pg.query('CREATE TABLE e2e_kept (v int)');
      await pg.query('INSERT INTO e2e_kept VALUES (42)');
      expect((await pg.query('SELECT v FROM e2e_kept')).rows).toEqual([{ v: 42 }]);
    } finally {
      await pg.end();
    }
    const my = await mysql.createConnection({ host: dbs[1]?.host, port: dbs[1]?.port, user: login, password, database });
    try {
      await my.query('CREATE TABLE e2e_kept (v INT)');
      await my.query('INSERT INTO e2e_kept VALUES (42)');
      const [rows] = await my.query('SELECT v FROM e2e_kept');
      expect(rows).toEqual([{ v: 42 }]);
    } finally {
      await my.end();
    }

    // 3. The scheduler at the real time: no boundary, but the new VM is running → vm.running →
    //    notifier → HMAC-signed web trigger → connection comment and issue property.
    const first = await stack.runScheduler(new Date());
    expect(first.summary).toEqual(expect.objectContaining({ committed: true, started: 0, stopped: 0, failed: 0 }));
    expect(first.deliveries.map((d) => [d.type, d.result])).toEqual([['vm.running', expect.objectContaining({ delivered: true, status: 200 })]]);
    expect(comments().at(-1)).toMatch(/finishing its first boot/);
    // The user data's last step signals ready (its DevVmBootStatus tag); EventBridge → notifier →
    // web trigger posts the connection details (EC2's own "running" event is a silent confirmation).
    await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'DevVmBootStatus', Value: 'ready' }] }));
    expect((await stack.deliverAwsEvents()).map((d) => [d.type, d.result.delivered])).toEqual([
      ['aws.ec2/EC2 Instance State-change Notification', true],
      ['aws.tag/Tag Change on Resource', true],
    ]);
    const running = comments().at(-1) as string;
    expect(running).toContain('Your dev VM is ready');
    expect(running).toContain(`aws ssm start-session --target ${id}`);
    expect(running).toContain(secretName);
    expect(running).toContain(database);
    expect(property()?.vm).toEqual(expect.objectContaining({ id, state: 'running' }));
    expect(stack.forge.jira.issue(ISSUE.key).statusId).toBe(STATUS.provisioned);

    // 4. A frozen clock five minutes past AutoStop in New York: the reconciler stops the VM.
    const stopAt = t0 + 2 * 3600_000;
    const afterStop = new Date(stopAt - (stopAt % 60_000) + 5 * 60_000);
    const second = await stack.runScheduler(afterStop);
    expect(second.summary).toEqual(expect.objectContaining({ stopped: 1, failed: 0 }));
    expect(second.summary.detail.stopped[id]).toContain(`AutoStop ${STOP} ${ZONE}`);
    expect(second.deliveries.map((d) => [d.type, d.result.delivered])).toEqual([['vm.stopped', true]]);
    expect(comments().at(-1)).toMatch(/Dev VM stopped .*end of working hours/);
    expect(['stopping', 'stopped']).toContain((await instance(id)).state);

    // 5. Closed: terminated, as the admin configured (onClose = terminate).
    await stack.transition(ISSUE.key, STATUS.closed);
    expect(stack.functionUrl.calls.filter((c) => c.path === `/vms/${id}/terminate`)).toEqual([{ method: 'POST', path: `/vms/${id}/terminate`, status: 202, auth: 'valid' }]);
    expect(['shutting-down', 'terminated']).toContain((await instance(id)).state);
    expect(comments().at(-1)).toMatch(/[Tt]erminat/);

    // Nothing secret reached Jira, and every Jira call matched the OpenAPI spec.
    const jiraText = JSON.stringify({ comments: stack.forge.jira.comments, properties: Object.fromEntries(stack.forge.jira.issue(ISSUE.key).properties) });
    expect(jiraText).not.toContain(password);
    expect(stack.forge.violations()).toEqual([]);
  });

  it('refuses an unsigned request at the function URL with AWS 403 body, before the handler', async () => {
    const before = preview.stack.functionUrl.calls.length;
    const res = await fetch(new URL('health', preview.stack.functionUrl.url));
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ Message: 'Forbidden' });
    expect(preview.stack.functionUrl.calls.slice(before)).toEqual([{ method: 'GET', path: '/health', status: 403, auth: 'missing or malformed Authorization' }]);
  });
});
