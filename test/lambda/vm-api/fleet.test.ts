import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { FleetPage, VmList, type Vm } from '../../../src/contract/vm-api';
import { utcMonth, type SchedulerState } from '../../../src/domain/scheduler-state';
import type { VmApiHandler } from '../../../infra-cdk/lambda/vm-api/router';
import { startAwsStandIn, type AwsStandIn } from '../../../local/aws';
import { ENV, event } from './support';

/**
 * GET /vms without an issue key (the fleet list) through the real Lambda module against the
 * wire-protocol AWS stand-in: filters, pages, page size bounds, and the AWS calls each page costs
 * (one DescribeInstances plus one read of the reconciler's state object, whatever the page size).
 */

let aws: AwsStandIn;
let handler: VmApiHandler;
const saved = { ...process.env };
const STATE_KEY = 'scheduler/state.json';

/** 120 acme VMs in OPS (running), 90 globex in WEB (stopped), 5 not ours. */
const fleet = new Map<string, { client: string; developer: string; issueKey: string }>();

function seedOne(client: string, developer: string, issueKey: string, state: 'running' | 'stopped'): string {
  const [id] = aws.seedInstances({
    count: 1,
    state,
    instanceType: 't3.large',
    tags: {
      ManagedBy: ENV.MANAGED_BY,
      ClientName: client,
      DeveloperName: developer,
      JiraIssue: issueKey,
      DevVmOs: 'al2023',
      CreatedAt: '2026-11-02T08:00:00.000Z',
      AutoStart: '08:00',
      AutoStop: '18:00',
      Timezone: 'Europe/Berlin',
    },
  });
  fleet.set(id as string, { client, developer, issueKey });
  return id as string;
}

async function putState(state: SchedulerState): Promise<void> {
  const s3 = new S3Client(aws.clientConfig());
  await s3.send(new PutObjectCommand({ Bucket: ENV.STATE_BUCKET, Key: STATE_KEY, Body: JSON.stringify(state), ContentType: 'application/json' }));
  s3.destroy();
}

beforeAll(async () => {
  aws = await startAwsStandIn({ transitionSeconds: 0 });
  const { POSTGRES_SECRET_ARN: _p, POSTGRES_HOST: _ph, MYSQL_SECRET_ARN: _m, MYSQL_HOST: _mh, ...env } = ENV;
  Object.assign(process.env, env, aws.env(), { AWS_REGION: 'eu-west-1', POWERTOOLS_LOG_LEVEL: 'SILENT', STATE_KEY });
  jest.resetModules();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  handler = (require('../../../infra-cdk/lambda/vm-api/handler') as { handler: VmApiHandler }).handler;

  for (let i = 1; i <= 120; i++) seedOne('acme', `dev-${i % 7}`, `OPS-${i}`, 'running');
  for (let i = 1; i <= 90; i++) seedOne('globex', `dev-${i % 5}`, `WEB-${i}`, 'stopped');
  aws.seedInstances({ count: 5, tags: { ManagedBy: 'someone-else', ClientName: 'acme', DeveloperName: 'dev-1', JiraIssue: 'OPS-999', DevVmOs: 'al2023' } });
  // OPSX shares the prefix "OPS" but is another project.
  seedOne('acme', 'dev-1', 'OPSX-1', 'running');

  const now = new Date();
  const instances: SchedulerState['instances'] = {};
  let n = 0;
  for (const id of fleet.keys()) {
    n++;
    instances[id] = { firstSeenAt: now.toISOString(), lastObservedAt: now.toISOString(), lastState: 'running', usage: { month: utcMonth(now), seconds: 3600 * n, days: { '1': 3600 * n } } };
  }
  await putState({ version: 2, lastRunAt: now.toISOString(), instances });
});
afterAll(async () => {
  await aws.close();
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

function parse(res: APIGatewayProxyStructuredResultV2): { status: number; body: unknown } {
  return { status: res.statusCode ?? 0, body: JSON.parse(res.body ?? 'null') };
}

/** Runs one request and returns what it answered and the AWS calls it made. */
async function measured(query: Record<string, string>): Promise<{ status: number; body: unknown; calls: string[] }> {
  const before = aws.state.calls.length;
  const res = parse(await handler(event('GET', '/vms', { query })));
  return { ...res, calls: aws.state.calls.slice(before).map((c) => `${c.service}:${c.operation}`) };
}

async function allPages(query: Record<string, string>): Promise<{ vms: Vm[]; pages: number; callsPerPage: string[][] }> {
  const vms: Vm[] = [];
  const callsPerPage: string[][] = [];
  let token: string | undefined;
  do {
    const res = await measured({ ...query, ...(token ? { pageToken: token } : {}) });
    expect(res.status).toBe(200);
    const page = FleetPage.parse(res.body);
    vms.push(...page.vms);
    callsPerPage.push(res.calls);
    token = page.nextPageToken;
  } while (token);
  return { vms, pages: callsPerPage.length, callsPerPage };
}

describe('GET /vms: the fleet list', () => {
  it('lists every managed VM in pages of at most 100, each page one DescribeInstances and one state read', async () => {
    const { vms, pages, callsPerPage } = await allPages({ pageSize: '100' });
    expect(vms).toHaveLength(fleet.size);
    expect(new Set(vms.map((v) => v.id))).toEqual(new Set(fleet.keys()));
    expect(pages).toBe(3);
    for (const calls of callsPerPage) {
      expect(calls.filter((c) => c.startsWith('ec2:'))).toEqual(['ec2:DescribeInstances']);
      expect(calls.length).toBeLessThanOrEqual(2);
    }
    // Usage comes from the reconciler's state object, read once per page.
    expect(callsPerPage.flat().filter((c) => c === 's3:GetObject').length).toBeLessThanOrEqual(pages);
    expect(vms.every((v) => v.usage !== undefined && v.usage.hoursRun > 0)).toBe(true);
  });

  it('filters by client, developer, state and project (issue key prefix) in EC2, across pages', async () => {
    const byClient = await allPages({ client: 'globex', pageSize: '25' });
    expect(byClient.vms).toHaveLength(90);
    expect(byClient.vms.every((v) => v.client === 'globex')).toBe(true);

    const byDev = await allPages({ client: 'acme', developer: 'dev-3' });
    expect(byDev.vms.map((v) => v.id).sort()).toEqual(
      [...fleet].filter(([, f]) => f.client === 'acme' && f.developer === 'dev-3').map(([id]) => id).sort(),
    );

    const running = await allPages({ state: 'running' });
    expect(running.vms).toHaveLength(121);
    expect(running.vms.every((v) => v.state === 'running')).toBe(true);

    const ops = await allPages({ project: 'OPS' });
    expect(ops.vms).toHaveLength(120);
    expect(ops.vms.every((v) => v.issueKey.startsWith('OPS-'))).toBe(true);
  });

  it('leaves terminated VMs out unless asked for them', async () => {
    const id = seedOne('initech', 'gone', 'OPS-5000', 'stopped');
    const inst = aws.state.instances.get(id);
    if (!inst) throw new Error('seeded instance missing');
    inst.state = 'terminated';
    const live = await allPages({ client: 'initech' });
    expect(live.vms).toEqual([]);
    const gone = await allPages({ client: 'initech', state: 'terminated' });
    expect(gone.vms.map((v) => v.id)).toEqual([id]);
    fleet.delete(id);
  });

  it('gives a VM the same usage as the issue list (GET /vms?issueKey=) does, plus its hours per day', async () => {
    const [id, f] = [...fleet].find(([, v]) => v.issueKey === 'OPS-17') ?? [];
    const one = parse(await handler(event('GET', '/vms', { query: { issueKey: f?.issueKey ?? '' } })));
    const byIssue = VmList.parse(one.body).vms[0];
    const { vms } = await allPages({ project: 'OPS' });
    const inFleet = vms.find((v) => v.id === id);
    expect(byIssue?.usage).toBeDefined();
    const { dailyHours, ...rest } = inFleet?.usage ?? { dailyHours: undefined };
    expect(rest).toEqual(byIssue?.usage);
    // The panel's answer stays small: the days are for the fleet page's chart only.
    expect(byIssue?.usage?.dailyHours).toBeUndefined();
    expect(dailyHours).toHaveLength(new Date().getUTCDate());
    expect(dailyHours?.[0]).toBe(byIssue?.usage?.hoursRun);
    expect(dailyHours?.slice(1).every((h) => h === 0)).toBe(true);
  });

  it.each([
    [{ pageSize: '101' }, 'pageSize'],
    [{ pageSize: '4' }, 'pageSize'],
    [{ pageSize: 'ten' }, 'pageSize'],
    [{ client: 'Bad Name' }, 'client'],
    [{ state: 'asleep' }, 'state'],
    [{ project: 'ops' }, 'project'],
    [{ owner: 'me' }, 'query'],
  ])('refuses %j with a 400 naming %s, before calling AWS', async (query, field) => {
    const res = await measured(query);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', field } });
    expect(res.calls).toEqual([]);
  });

  it('refuses a page token of another query with a 400 naming pageToken', async () => {
    const first = FleetPage.parse((await measured({ client: 'acme', pageSize: '10' })).body);
    expect(first.nextPageToken).toBeDefined();
    const res = await measured({ client: 'globex', pageSize: '10', pageToken: first.nextPageToken ?? '' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'pageToken' } });
  });
});
