import { CreateTagsCommand, DeleteTagsCommand } from '@aws-sdk/client-ec2';
import { Vm } from '../../../../src/contract/vm-api';
import { ec2Mock, VM_TAGS } from '../fake-aws';
import { errorOf } from './api';
import { useVmApiOnFake } from './api-on-fake';

// PUT /vms/{id}/schedule.

const api = useVmApiOnFake();

describe('PUT /vms/{id}/schedule', () => {
  it('rewrites the schedule tags, deletes a dropped stop time and the ScheduleError', async () => {
    const a = api.aws.seedInstance({ ...VM_TAGS, ScheduleError: 'AutoStop=25:00 must be a 24-hour time' });
    const res = await api.call('PUT', `/vms/${a.InstanceId}/schedule`, { body: { start: '07:30', timezone: 'America/New_York', days: 'MON,WED,FRI', enabled: false } });
    expect(res.status).toBe(200);
    const vm = Vm.parse(res.body);
    expect(vm.schedule).toEqual({ start: '07:30', timezone: 'America/New_York', days: 'MON,WED,FRI', enabled: false });
    expect(vm.scheduleError).toBeUndefined();
    const set = ec2Mock.commandCalls(CreateTagsCommand)[0]!.args[0].input.Tags;
    expect(Object.fromEntries((set ?? []).map((t) => [t.Key, t.Value]))).toEqual({ AutoStart: '07:30', Timezone: 'America/New_York', AutoDays: 'MON,WED,FRI', AutoSchedule: 'off' });
    const removed = ec2Mock.commandCalls(DeleteTagsCommand)[0]!.args[0].input.Tags?.map((t) => t.Key);
    expect(removed?.sort()).toEqual(['AutoStop', 'ScheduleError']);
    expect(api.aws.instances[0]?.Tags?.find((t) => t.Key === 'AutoStop')).toBeUndefined();
  });

  it('rejects a bad schedule naming the field', async () => {
    const a = api.aws.seedInstance(VM_TAGS);
    const res = await api.call('PUT', `/vms/${a.InstanceId}/schedule`, { body: { start: '8am', timezone: 'UTC' } });
    expect(res.status).toBe(400);
    expect(errorOf(res.body).field).toBe('start');
  });
});
