import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { schedulerUsageReader } from '../../../../infra-cdk/lambda/vm-api/usage';
import { Vm, VmList } from '../../../../src/contract/vm-api';
import { createHandler } from '../../../../infra-cdk/lambda/vm-api/router';
import { makeDeps, VM_TAGS } from '../fake-aws';
import { useVmApiOnFake } from './api-on-fake';

// Vm.usage from the scheduler's state on the routes that show VMs.

const api = useVmApiOnFake();

describe('usage from the scheduler state', () => {
  const s3Mock = mockClient(S3Client);
  afterAll(() => s3Mock.restore());

  /** GetObject's body as the SDK hands it over: a stream with transformToString. */
  function withState(state: unknown) {
    s3Mock.reset();
    const body = { transformToString: async () => JSON.stringify(state) };
    s3Mock.on(GetObjectCommand).resolves({ Body: body as never, ETag: '"e1"' });
    api.deps = makeDeps(api.db, { usage: schedulerUsageReader('dev-vm-state', 'scheduler/state.json', async () => new S3Client({ region: 'eu-west-1' })) });
    api.handle = createHandler(api.deps);
  }

  it('adds this month\'s run hours to GET /vms/{id} and the list, not to actions', async () => {
    const a = api.aws.seedInstance(VM_TAGS);
    withState({
      version: 1,
      lastRunAt: '2026-11-26T09:55:00.000Z',
      instances: {
        [a.InstanceId!]: { firstSeenAt: '2026-11-01T08:00:00.000Z', lastObservedAt: '2026-11-26T09:55:00.000Z', lastState: 'running', usage: { month: '2026-11', seconds: 45000 } },
      },
    });
    const res = await api.call('GET', `/vms/${a.InstanceId}`);
    expect(res.status).toBe(200);
    expect((res.body as Vm).usage).toEqual({ month: '2026-11', hoursRun: 12.5, asOf: '2026-11-26T09:55:00.000Z' });
    expect(VmList.parse((await api.call('GET', '/vms', { query: { issueKey: 'OPS-42' } })).body).vms[0]?.usage?.hoursRun).toBe(12.5);
    const reads = s3Mock.commandCalls(GetObjectCommand).length;
    expect((await api.call('POST', `/vms/${a.InstanceId}/stop`)).body).not.toHaveProperty('usage');
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(reads);
  });

  it('leaves usage out, without failing the request, when the state cannot be read', async () => {
    const a = api.aws.seedInstance(VM_TAGS);
    withState({});
    s3Mock.on(GetObjectCommand).rejects(new Error('AccessDenied'));
    const res = await api.call('GET', `/vms/${a.InstanceId}`);
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('usage');
  });
});
