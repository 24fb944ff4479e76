import type { CreateTagsRequest, DeleteTagsRequest } from '@aws-sdk/client-ec2';
import { Vm } from '../../../../src/contract/vm-api';
import { VM_TAGS } from '../support';
import { errorOf, useVmApi } from './api';

// PUT /vms/{id}/schedule.

const api = useVmApi();

describe('PUT /vms/{id}/schedule', () => {
  it('rewrites the schedule tags, deletes a dropped stop time and the ScheduleError', async () => {
    const a = api.aws.seedInstance({ ...VM_TAGS, ScheduleError: 'AutoStop=25:00 must be a 24-hour time' });
    const res = await api.call('PUT', `/vms/${a}/schedule`, { body: { start: '07:30', timezone: 'America/New_York', days: 'MON,WED,FRI', enabled: false } });
    expect(res.status).toBe(200);
    const vm = Vm.parse(res.body);
    expect(vm.schedule).toEqual({ start: '07:30', timezone: 'America/New_York', days: 'MON,WED,FRI', enabled: false });
    expect(vm.scheduleError).toBeUndefined();
    const set = api.aws.inputs<CreateTagsRequest>('CreateTags')[0]!.Tags;
    expect(Object.fromEntries((set ?? []).map((t) => [t.Key, t.Value]))).toEqual({ AutoStart: '07:30', Timezone: 'America/New_York', AutoDays: 'MON,WED,FRI', AutoSchedule: 'off' });
    const removed = api.aws.inputs<DeleteTagsRequest>('DeleteTags')[0]!.Tags?.map((t) => t.Key);
    expect(removed?.sort()).toEqual(['AutoStop', 'ScheduleError']);
    expect(api.aws.instance(a)?.tags.has('AutoStop')).toBe(false);
    expect(api.aws.instance(a)?.tags.has('ScheduleError')).toBe(false);
  });

  it('rejects a bad schedule naming the field', async () => {
    const a = api.aws.seedInstance(VM_TAGS);
    const res = await api.call('PUT', `/vms/${a}/schedule`, { body: { start: '8am', timezone: 'UTC' } });
    expect(res.status).toBe(400);
    expect(errorOf(res.body).field).toBe('start');
  });
});
