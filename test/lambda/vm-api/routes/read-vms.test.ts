import { Vm, VmList } from '../../../../src/contract/vm-api';
import { VM_TAGS } from '../support';
import { useVmApi, errorOf } from './api';

// GET /vms?issueKey= and GET /vms/{id}.

const api = useVmApi();

describe('reading VMs', () => {
  it('lists the VMs of an issue', async () => {
    const a = api.aws.seedInstance(VM_TAGS);
    api.aws.seedInstance({ ...VM_TAGS, JiraIssue: 'OPS-43' });
    const res = await api.call('GET', '/vms', { query: { issueKey: 'OPS-42' } });
    expect(res.status).toBe(200);
    expect(VmList.parse(res.body).vms.map((v) => v.id)).toEqual([a]);
  });

  it('rejects a list without a valid issueKey, naming it', async () => {
    const res = await api.call('GET', '/vms', { query: { issueKey: 'nope' } });
    expect(res.status).toBe(400);
    expect(errorOf(res.body).field).toBe('issueKey');
    // Without issueKey, GET /vms is the fleet list (test/lambda/vm-api/fleet.test.ts).
    expect(errorOf((await api.call('GET', '/vms', { query: { issueKey: '' } })).body).field).toBe('issueKey');
  });

  it('gets one VM with connection info', async () => {
    const a = api.aws.seedInstance(VM_TAGS);
    const res = await api.call('GET', `/vms/${a}`);
    expect(res.status).toBe(200);
    expect(Vm.parse(res.body).connection.ssmCommand).toBe(`aws ssm start-session --target ${a} --region eu-west-1`);
  });

  it('answers 404 for an unknown instance and for one this stack does not manage', async () => {
    expect((await api.call('GET', '/vms/i-0fffffffffffffff0')).status).toBe(404);
    const foreign = api.aws.seedInstance({ ...VM_TAGS, ManagedBy: 'someone-else' });
    const res = await api.call('GET', `/vms/${foreign}`);
    expect(res.status).toBe(404);
    expect(errorOf(res.body).code).toBe('NOT_FOUND');
    expect((await api.call('POST', `/vms/${foreign}/terminate`)).status).toBe(404);
  });

  it('rejects a malformed instance id naming the field', async () => {
    const res = await api.call('GET', '/vms/not-an-id');
    expect(res.status).toBe(400);
    expect(errorOf(res.body).field).toBe('id');
  });
});
