import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { R, Resolvers, resultOf, type ResolverName, type ResolverResult } from '../../src/contract/resolvers';
import { Vm } from '../../src/contract/vm-api';
import { DevVmProperty } from '../../src/domain/vm-property';
import { handleIssueUpdated } from '../../src/handlers/issue-updated';
import { panelResolver } from '../../src/handlers/panel-resolvers';
import type { VmApiHandler } from '../../infra-cdk/lambda/vm-api/router';
import { startAwsStandIn, type AwsStandIn } from '../../local/aws';
import type { ForgeStandIn, ResolverHandler } from '../../local/forge-runtime';
import { startVmApiStandIn, type VmApiStandIn } from '../../local/vm-api-server';
import { PEOPLE, STATUS, configure, goodIssue, site, statusChangedEvent } from '../../local/site-fixtures';
import { ENV, event } from '../lambda/vm-api/support';

/**
 * Issue 11 item 4: the `dev-vm` issue property is writable by anyone with Edit issues, so it must
 * never decide which VM an issue owns. The attacker copies the victim's VM record into the
 * property of an issue the attacker is assignee of, then uses the panel on that issue.
 */

process.env.DEV_VM_SILENT_LOGS = '1';

describe('panel: a VM id written into the issue property is not trusted', () => {
  let api: VmApiStandIn;
  let forge: ForgeStandIn;
  beforeAll(async () => {
    api = await startVmApiStandIn();
  });
  afterAll(() => api.close());
  beforeEach(() => {
    api.reset();
    forge = site([goodIssue({ statusId: STATUS.ready }), goodIssue({ id: '10043', key: 'OPS-43', reporter: PEOPLE.other, assignee: PEOPLE.other })]);
    configure(forge, api);
  });
  afterEach(() => {
    expect(forge.violations()).toEqual([]);
    forge.uninstall();
  });

  const PAYLOAD: Partial<Record<ResolverName, unknown>> = { [R.panelUpdateSchedule]: { schedule: { start: '09:00', stop: '17:00', timezone: 'UTC', days: 'MON-FRI', enabled: false } } };
  async function call<N extends ResolverName>(name: N, issueKey: string, accountId: string): Promise<ResolverResult<N>> {
    const raw = await forge.invokeResolver(panelResolver as unknown as ResolverHandler, name, PAYLOAD[name] ?? {}, { accountId, issueKey });
    return resultOf(Resolvers[name].result).parse(raw) as ResolverResult<N>;
  }

  async function attack(): Promise<Vm> {
    const provisioned = await call(R.panelProvision, 'OPS-42', PEOPLE.assignee);
    if (!provisioned.ok) throw new Error(provisioned.error.message);
    const victim = provisioned.data.vm as Vm;
    // What any user with Edit issues can do with Jira's REST API on their own issue.
    const stolen = DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm'));
    const res = await forge.jira.handle(PEOPLE.other, '/rest/api/3/issue/OPS-43/properties/dev-vm', { method: 'PUT', body: JSON.stringify(stolen) });
    expect(res.status).toBe(201);
    return victim;
  }

  it("does not show the victim's VM or its connection details on the attacker's issue", async () => {
    const victim = await attack();
    const view = await call(R.panelGet, 'OPS-43', PEOPLE.other);
    expect(view.ok).toBe(true);
    expect(JSON.stringify(view)).not.toContain(victim.id);
    expect(JSON.stringify(view)).not.toContain('secretName');
  });

  it.each([R.panelTerminate, R.panelStop, R.panelUpdateSchedule] as const)("refuses %s on the victim's VM from the attacker's issue", async (name) => {
    const victim = await attack();
    const before = api.calls.length;
    const res = await call(name, 'OPS-43', PEOPLE.other);
    expect(res.ok).toBe(false);
    expect(api.calls.slice(before).filter((c) => c.op !== 'listVms' && c.op !== 'getVm')).toEqual([]);
    expect(api.vms.get(victim.id)?.state).toBe('pending');
    expect(forge.jira.commentsOn('OPS-43')).toEqual([]);
  });

  it("does not terminate the victim's VM when the attacker moves their own issue to a terminate status", async () => {
    const victim = await attack();
    forge.jira.issue('OPS-43').statusId = STATUS.retired;
    await forge.asInvocation(undefined, () => handleIssueUpdated(statusChangedEvent({ id: '10043', key: 'OPS-43' }, STATUS.inProgress, STATUS.retired), new Date()));
    expect(api.calls.filter((c) => c.op === 'terminateVm')).toEqual([]);
    expect(api.vms.get(victim.id)?.state).toBe('pending');
  });

  it('still lets the owner act on their VM, and a property copy that does not match the app record is ignored', async () => {
    const victim = await attack();
    // The attacker also overwrites the victim's property with a made-up id.
    const fake = { ...DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')) };
    fake.vm = { ...(fake.vm as Vm), id: 'i-0fffffffffffffff0' };
    await forge.jira.handle(PEOPLE.other, '/rest/api/3/issue/OPS-42/properties/dev-vm', { method: 'PUT', body: JSON.stringify(fake) });
    const res = await call(R.panelStop, 'OPS-42', PEOPLE.assignee);
    expect(res).toMatchObject({ ok: true, data: { vm: { id: victim.id, state: 'stopping' } } });
  });
});

describe('VM API: every instance operation carries the issue key and must match the JiraIssue tag', () => {
  let aws: AwsStandIn;
  let handler: VmApiHandler;
  const saved = { ...process.env };

  beforeAll(async () => {
    aws = await startAwsStandIn({ transitionSeconds: 0 });
    const { POSTGRES_SECRET_ARN: _p, POSTGRES_HOST: _ph, MYSQL_SECRET_ARN: _m, MYSQL_HOST: _mh, ...env } = ENV;
    Object.assign(process.env, env, aws.env(), { AWS_REGION: 'eu-west-1', POWERTOOLS_LOG_LEVEL: 'SILENT' });
    jest.resetModules();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = (require('../../infra-cdk/lambda/vm-api/handler') as { handler: VmApiHandler }).handler;
  });
  afterAll(async () => {
    await aws.close();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  const parse = (res: APIGatewayProxyStructuredResultV2) => ({ status: res.statusCode ?? 0, body: JSON.parse(res.body ?? 'null') as { error?: { code: string; field?: string } } });

  it("refuses every instance operation named with another issue's key, and one without a key", async () => {
    const body = { issueKey: 'OPS-42', client: 'acme', developer: 'jdoe', instanceType: 't3.medium', os: 'ubuntu-24.04', schedule: { start: '09:00', stop: '17:30', timezone: 'Europe/Berlin' }, idempotencyKey: 'issue-10042:changelog-9' };
    const vm = Vm.parse(parse(await handler(event('POST', '/vms', { body }))).body);
    aws.settle();
    const until = new Date(Date.now() + 3600_000).toISOString();
    const ops: [string, string, unknown?][] = [
      ['GET', `/vms/${vm.id}`],
      ['POST', `/vms/${vm.id}/start`],
      ['POST', `/vms/${vm.id}/stop`],
      ['POST', `/vms/${vm.id}/terminate`],
      ['PUT', `/vms/${vm.id}/schedule`, { start: '09:00', stop: '17:30', timezone: 'UTC', enabled: false }],
      ['POST', `/vms/${vm.id}/keep-running`, { until }],
    ];
    const before = aws.state.calls.length;
    for (const [method, path, b] of ops) {
      const wrong = parse(await handler(event(method, path, { query: { issueKey: 'OPS-43' }, ...(b ? { body: b } : {}) })));
      expect([method, path, wrong.status, wrong.body.error?.code]).toEqual([method, path, 404, 'NOT_FOUND']);
      const missing = parse(await handler(event(method, path, b ? { body: b } : {})));
      expect([method, path, missing.status, missing.body.error?.field]).toEqual([method, path, 400, 'issueKey']);
    }
    expect(aws.state.instances.get(vm.id)?.state).toBe('running');
    const writes = aws.state.calls.slice(before).filter((c) => ['StartInstances', 'StopInstances', 'TerminateInstances', 'CreateTags', 'DeleteTags'].includes(c.operation));
    expect(writes).toEqual([]);
    const own = parse(await handler(event('POST', `/vms/${vm.id}/stop`, { query: { issueKey: 'OPS-42' } })));
    expect(own.status).toBe(202);
  });
});
