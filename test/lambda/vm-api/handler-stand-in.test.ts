import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { Vm, VmList } from '../../../src/contract/vm-api';
import type { VmApiHandler } from '../../../infra-cdk/lambda/vm-api/router';
import { startAwsStandIn, type AwsStandIn } from '../../../local/aws';
import { ENV, event } from './support';

/**
 * The real Lambda module (handler.ts: env parsed at cold start, clients built once, the database
 * module loaded lazily) against the wire-protocol AWS stand-in through AWS_ENDPOINT_URL, so every
 * EC2, EFS, IAM and Secrets Manager call goes through the SDK's own serialisation. The stack's
 * database engines are switched off here (no master secrets), so provisioning touches no database.
 */

let aws: AwsStandIn;
let handler: VmApiHandler;
const saved = { ...process.env };

beforeAll(async () => {
  aws = await startAwsStandIn({ transitionSeconds: 0 });
  const { POSTGRES_SECRET_ARN: _p, POSTGRES_HOST: _ph, MYSQL_SECRET_ARN: _m, MYSQL_HOST: _mh, ...env } = ENV;
  Object.assign(process.env, env, aws.env(), { AWS_REGION: 'eu-west-1', POWERTOOLS_LOG_LEVEL: 'SILENT' });
  // A fresh registry that stays active: the handler's lazy imports resolve in the same one.
  jest.resetModules();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  handler = (require('../../../infra-cdk/lambda/vm-api/handler') as { handler: VmApiHandler }).handler;
});
afterAll(async () => {
  await aws.close();
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

function parse(res: APIGatewayProxyStructuredResultV2): { status: number; body: unknown } {
  return { status: res.statusCode ?? 0, body: JSON.parse(res.body ?? 'null') };
}

const body = {
  issueKey: 'OPS-7',
  client: 'acme',
  developer: 'jdoe',
  instanceType: 't3.medium',
  os: 'ubuntu-24.04',
  schedule: { start: '09:00', stop: '17:30', timezone: 'Europe/Berlin' },
  idempotencyKey: 'issue-20001:changelog-3',
};

describe('VM API Lambda against the AWS stand-in', () => {
  it('provisions, lists, stops and answers a retry with the same VM, all over the real SDK wire protocols', async () => {
    const created = parse(await handler(event('POST', '/vms', { body })));
    expect({ status: created.status, body: created.body }).toMatchObject({ status: 202 });
    const vm = Vm.parse(created.body);
    expect(vm).toMatchObject({ state: 'pending', os: 'ubuntu-24.04', schedule: { start: '09:00', stop: '17:30', timezone: 'Europe/Berlin' } });

    const inst = aws.state.instances.get(vm.id);
    expect(inst).toBeDefined();
    expect([...aws.state.accessPoints.values()]).toHaveLength(1);
    expect(aws.state.roles.has('dev-vm-jdoe')).toBe(true);
    expect(aws.state.instanceProfiles.has('dev-vm-jdoe')).toBe(true);

    const again = parse(await handler(event('POST', '/vms', { body })));
    expect(again.status).toBe(202);
    expect((again.body as Vm).id).toBe(vm.id);
    expect(aws.state.calls.filter((c) => c.operation === 'RunInstances')).toHaveLength(1);

    aws.settle();
    const list = parse(await handler(event('GET', '/vms', { query: { issueKey: 'OPS-7' } })));
    expect(list.status).toBe(200);
    expect(VmList.parse(list.body).vms.map((v) => [v.id, v.state])).toEqual([[vm.id, 'running']]);

    const stopped = parse(await handler(event('POST', `/vms/${vm.id}/stop`, { query: { issueKey: 'OPS-7' } })));
    expect(stopped.status).toBe(202);
    expect((stopped.body as Vm).state).toBe('stopping');
  });

  it('answers 503 when the stand-in has no capacity for a start', async () => {
    const created = Vm.parse(parse(await handler(event('POST', '/vms', { body: { ...body, developer: 'asmith', idempotencyKey: 'issue-20002:changelog-1' } }))).body);
    aws.settle();
    await handler(event('POST', `/vms/${created.id}/stop`, { query: { issueKey: 'OPS-7' } }));
    aws.settle();
    aws.injectFault({ kind: 'insufficient-capacity', instanceId: created.id, times: 10 });
    const res = parse(await handler(event('POST', `/vms/${created.id}/start`, { query: { issueKey: 'OPS-7' } })));
    expect(res.status).toBe(503);
    expect((res.body as { error: { code: string } }).error.code).toBe('INSUFFICIENT_CAPACITY');
  });

  it('moves the CostCenter tag of the instance, its root volume and the EFS home with the issue, only for the issue the VM was launched for (issue 13)', async () => {
    const created = Vm.parse(parse(await handler(event('POST', '/vms', { body: { ...body, developer: 'cclee', costCenter: 'CC-1', idempotencyKey: 'issue-20003:changelog-1' } }))).body);
    aws.settle();
    const tags = () => {
      const inst = aws.state.instances.get(created.id);
      const home = [...aws.state.accessPoints.values()].find((ap) => ap.tags.get('DeveloperName') === 'cclee');
      return { instance: inst?.tags.get('CostCenter'), volume: inst?.rootVolume?.tags.get('CostCenter'), home: home?.tags.get('CostCenter') };
    };
    expect(tags()).toEqual({ instance: 'CC-1', volume: 'CC-1', home: 'CC-1' });

    // The attack: another issue's key (an id copied from elsewhere) is refused as unknown, and nothing is retagged.
    const foreign = parse(await handler(event('PUT', `/vms/${created.id}/cost-center`, { query: { issueKey: 'OPS-8' }, body: { costCenter: 'CC-EVIL' } })));
    expect(foreign.status).toBe(404);
    expect(tags()).toEqual({ instance: 'CC-1', volume: 'CC-1', home: 'CC-1' });

    const createTags = () => aws.state.calls.filter((c) => c.operation === 'CreateTags').length;
    const before = createTags();
    const moved = parse(await handler(event('PUT', `/vms/${created.id}/cost-center`, { query: { issueKey: 'OPS-7' }, body: { costCenter: 'CC-2' } })));
    expect(moved.status).toBe(200);
    expect(Vm.parse(moved.body).costCenter).toBe('CC-2');
    expect(tags()).toEqual({ instance: 'CC-2', volume: 'CC-2', home: 'CC-2' });
    expect(createTags() - before).toBe(1); // one CreateTags for the instance and its volume

    const cleared = parse(await handler(event('PUT', `/vms/${created.id}/cost-center`, { query: { issueKey: 'OPS-7' }, body: { costCenter: null } })));
    expect(cleared.status).toBe(200);
    expect(Vm.parse(cleared.body).costCenter).toBeUndefined();
    expect(tags()).toEqual({ instance: undefined, volume: undefined, home: undefined });
    // the other tags stay
    expect(aws.state.instances.get(created.id)?.rootVolume?.tags.get('DeveloperName')).toBe('cclee');

    const invalid = parse(await handler(event('PUT', `/vms/${created.id}/cost-center`, { query: { issueKey: 'OPS-7' }, body: { costCenter: 'CC#1 (R&D)' } })));
    expect(invalid.status).toBe(400);
    expect((invalid.body as { error: { field?: string } }).error.field).toBe('costCenter');
  });

  it('answers 404 for an instance id the stand-in does not know', async () => {
    expect(parse(await handler(event('GET', '/vms/i-0123456789abcdef0', { query: { issueKey: 'OPS-7' } }))).status).toBe(404);
  });
});
