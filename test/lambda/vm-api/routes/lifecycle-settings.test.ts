import { CreateTagsCommand, DeleteTagsCommand } from '@aws-sdk/client-ec2';
import { Vm } from '../../../../src/contract/vm-api';
import { ec2Mock, NOW, VM_TAGS } from '../fake-aws';
import { errorOf } from './api';
import { useVmApiOnFake } from './api-on-fake';

// PUT /vms/{id}/lifecycle: parking, keeping, the idle-stop override.

const api = useVmApiOnFake();

describe('PUT /vms/{id}/lifecycle (issue 13)', () => {
  it('parks a VM keeping its working hours, and unparks it', async () => {
    const a = api.aws.seedInstance(VM_TAGS, { State: { Name: 'stopped', Code: 80 } });
    const parked = await api.call('PUT', `/vms/${a.InstanceId}/lifecycle`, { body: { parked: true } });
    expect(parked.status).toBe(200);
    expect((parked.body as Vm).parkedAt).toBe(NOW.toISOString());
    expect(ec2Mock.commandCalls(DeleteTagsCommand)).toHaveLength(0); // the working-hours tags stay
    expect(ec2Mock.commandCalls(CreateTagsCommand).at(-1)!.args[0].input.Tags).toEqual([{ Key: 'DevVmParkedAt', Value: NOW.toISOString() }]);
    const unparked = await api.call('PUT', `/vms/${a.InstanceId}/lifecycle`, { body: { parked: false } });
    expect(unparked.status).toBe(200);
    expect((unparked.body as Vm).parkedAt).toBeUndefined();
    expect(ec2Mock.commandCalls(DeleteTagsCommand).at(-1)!.args[0].input.Tags).toEqual([{ Key: 'DevVmParkedAt' }]);
  });

  it('"Keep this VM" stamps KeptAt; the idle-stop override is set, turned off and reset to the default', async () => {
    const a = api.aws.seedInstance(VM_TAGS);
    const kept = await api.call('PUT', `/vms/${a.InstanceId}/lifecycle`, { body: { keep: true, idleStopMinutes: 90 } });
    expect(kept.body as Vm).toMatchObject({ keptAt: NOW.toISOString(), idleStopMinutes: 90 });
    expect((await api.call('PUT', `/vms/${a.InstanceId}/lifecycle`, { body: { idleStopMinutes: 'off' } })).body as Vm).toMatchObject({ idleStopMinutes: 'off' });
    expect(((await api.call('PUT', `/vms/${a.InstanceId}/lifecycle`, { body: { idleStopMinutes: null } })).body as Vm).idleStopMinutes).toBeUndefined();
  });

  it.each([
    ['an idle-stop below 15 minutes', { idleStopMinutes: 5 }, 'idleStopMinutes'],
    ['an unknown field', { parked: true, stop: true }, undefined],
    ['an empty update', {}, undefined],
  ])('rejects %s with 400', async (_label, body, field) => {
    const a = api.aws.seedInstance(VM_TAGS);
    const res = await api.call('PUT', `/vms/${a.InstanceId}/lifecycle`, { body });
    expect(res.status).toBe(400);
    if (field) expect(errorOf(res.body).field).toBe(field);
  });
});
