import type { CreateTagsRequest, DeleteTagsRequest } from '@aws-sdk/client-ec2';
import { Vm } from '../../../../src/contract/vm-api';
import { NOW, VM_TAGS } from '../support';
import { errorOf, useVmApi } from './api';

// PUT /vms/{id}/lifecycle: parking, keeping, the idle-stop override.

const api = useVmApi();

describe('PUT /vms/{id}/lifecycle (issue 13)', () => {
  it('parks a VM keeping its working hours, and unparks it', async () => {
    const a = api.aws.seedInstance(VM_TAGS, { state: 'stopped' });
    const parked = await api.call('PUT', `/vms/${a}/lifecycle`, { body: { parked: true } });
    expect(parked.status).toBe(200);
    expect((parked.body as Vm).parkedAt).toBe(NOW.toISOString());
    expect(api.aws.count('DeleteTags')).toBe(0); // the working-hours tags stay
    expect(api.aws.inputs<CreateTagsRequest>('CreateTags').at(-1)!.Tags).toEqual([{ Key: 'DevVmParkedAt', Value: NOW.toISOString() }]);
    const unparked = await api.call('PUT', `/vms/${a}/lifecycle`, { body: { parked: false } });
    expect(unparked.status).toBe(200);
    expect((unparked.body as Vm).parkedAt).toBeUndefined();
    expect(api.aws.inputs<DeleteTagsRequest>('DeleteTags').at(-1)!.Tags).toEqual([{ Key: 'DevVmParkedAt' }]);
  });

  it('"Keep this VM" stamps KeptAt; the idle-stop override is set, turned off and reset to the default', async () => {
    const a = api.aws.seedInstance(VM_TAGS);
    const kept = await api.call('PUT', `/vms/${a}/lifecycle`, { body: { keep: true, idleStopMinutes: 90 } });
    expect(kept.body as Vm).toMatchObject({ keptAt: NOW.toISOString(), idleStopMinutes: 90 });
    expect((await api.call('PUT', `/vms/${a}/lifecycle`, { body: { idleStopMinutes: 'off' } })).body as Vm).toMatchObject({ idleStopMinutes: 'off' });
    expect(((await api.call('PUT', `/vms/${a}/lifecycle`, { body: { idleStopMinutes: null } })).body as Vm).idleStopMinutes).toBeUndefined();
  });

  it.each([
    ['an idle-stop below 15 minutes', { idleStopMinutes: 5 }, 'idleStopMinutes'],
    ['an unknown field', { parked: true, stop: true }, undefined],
    ['an empty update', {}, undefined],
  ])('rejects %s with 400', async (_label, body, field) => {
    const a = api.aws.seedInstance(VM_TAGS);
    const res = await api.call('PUT', `/vms/${a}/lifecycle`, { body });
    expect(res.status).toBe(400);
    if (field) expect(errorOf(res.body).field).toBe(field);
  });
});
