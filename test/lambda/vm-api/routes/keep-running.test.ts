import { Vm } from '../../../../src/contract/vm-api';
import { VM_TAGS } from '../support';
import { errorOf, useVmApi } from './api';

// POST /vms/{id}/keep-running.

const api = useVmApi();

describe('POST /vms/{id}/keep-running', () => {
  it('sets KeepRunningUntil on a running VM', async () => {
    const a = api.aws.seedInstance(VM_TAGS);
    const until = '2026-11-26T20:00:00.000Z';
    const res = await api.call('POST', `/vms/${a}/keep-running`, { body: { until } });
    expect(res.status).toBe(200);
    expect((res.body as Vm).keepRunningUntil).toBe(until);
    expect(api.aws.count('StartInstances')).toBe(0);
  });

  it('also starts a stopped VM', async () => {
    const a = api.aws.seedInstance(VM_TAGS, { state: 'stopped' });
    const res = await api.call('POST', `/vms/${a}/keep-running`, { body: { until: '2026-11-26T20:00:00Z' } });
    expect(res.status).toBe(200);
    expect((res.body as Vm).state).toBe('pending');
    expect(api.aws.count('StartInstances')).toBe(1);
  });

  it.each([
    ['in the past', '2026-11-26T09:59:00Z', /in the future/],
    ['more than 24 hours ahead', '2026-11-27T10:00:01Z', /at most 24 hours/],
    ['not a time', 'tonight', /./],
  ])('rejects an until %s naming the field', async (_label, until, message) => {
    const a = api.aws.seedInstance(VM_TAGS);
    const res = await api.call('POST', `/vms/${a}/keep-running`, { body: { until } });
    expect(res.status).toBe(400);
    expect(errorOf(res.body).field).toBe('until');
    expect(errorOf(res.body).message).toMatch(message);
  });

  it('answers 409 for a VM that is being terminated', async () => {
    const a = api.aws.seedInstance(VM_TAGS);
    expect((await api.call('POST', `/vms/${a}/terminate`)).status).toBe(202);
    expect(api.aws.instance(a)?.state).toBe('shutting-down');
    expect((await api.call('POST', `/vms/${a}/keep-running`, { body: { until: '2026-11-26T20:00:00Z' } })).status).toBe(409);
  });
});
