import { schedulerUsageReader } from '../../../../infra-cdk/lambda/vm-api/usage';
import { Vm, VmList } from '../../../../src/contract/vm-api';
import { createHandler } from '../../../../infra-cdk/lambda/vm-api/router';
import { VM_TAGS } from '../support';
import { useVmApi } from './api';

// Vm.usage from the scheduler's state on the routes that show VMs.

const api = useVmApi();

describe('usage from the scheduler state', () => {
  /** The scheduler's state object in the model's S3, read by the VM API's usage reader. */
  function withState(state: unknown) {
    api.aws.putObject('dev-vm-state', 'scheduler/state.json', JSON.stringify(state));
    const s3 = api.aws.s3Client();
    api.deps = api.aws.deps(api.db, { usage: schedulerUsageReader('dev-vm-state', 'scheduler/state.json', async () => s3) });
    api.handle = createHandler(api.deps);
  }

  it('adds this month\'s run hours to GET /vms/{id} and the list, not to actions', async () => {
    const a = api.aws.seedInstance(VM_TAGS);
    withState({
      version: 1,
      lastRunAt: '2026-11-26T09:55:00.000Z',
      instances: {
        [a]: { firstSeenAt: '2026-11-01T08:00:00.000Z', lastObservedAt: '2026-11-26T09:55:00.000Z', lastState: 'running', usage: { month: '2026-11', seconds: 45000 } },
      },
    });
    const res = await api.call('GET', `/vms/${a}`);
    expect(res.status).toBe(200);
    expect((res.body as Vm).usage).toEqual({ month: '2026-11', hoursRun: 12.5, asOf: '2026-11-26T09:55:00.000Z' });
    expect(VmList.parse((await api.call('GET', '/vms', { query: { issueKey: 'OPS-42' } })).body).vms[0]?.usage?.hoursRun).toBe(12.5);
    const reads = api.aws.count('GetObject');
    expect(reads).toBeGreaterThan(0);
    expect((await api.call('POST', `/vms/${a}/stop`)).body).not.toHaveProperty('usage');
    expect(api.aws.count('GetObject')).toBe(reads);
  });

  it('leaves usage out, without failing the request, when the state cannot be read', async () => {
    const a = api.aws.seedInstance(VM_TAGS);
    withState({});
    api.aws.injectFault({ kind: 'error', service: 's3', operation: 'GetObject', code: 'AccessDenied', status: 403, message: 'Access Denied' });
    const res = await api.call('GET', `/vms/${a}`);
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('usage');
  });
});
