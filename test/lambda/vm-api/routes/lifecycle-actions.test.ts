import { DescribeInstancesCommand, StartInstancesCommand } from '@aws-sdk/client-ec2';
import { Vm } from '../../../../src/contract/vm-api';
import { ec2Error, ec2Mock, VM_TAGS } from '../fake-aws';
import { errorOf } from './api';
import { useVmApiOnFake } from './api-on-fake';

// POST /vms/{id}/start|stop, DELETE /vms/{id}, and how AWS errors and unknown routes are answered.

const api = useVmApiOnFake();

describe('lifecycle actions', () => {
  it('starts, stops and terminates with 202 and the new state', async () => {
    const a = api.aws.seedInstance(VM_TAGS, { State: { Name: 'stopped', Code: 80 } });
    const started = await api.call('POST', `/vms/${a.InstanceId}/start`);
    expect([started.status, (started.body as Vm).state]).toEqual([202, 'pending']);
    const stopped = await api.call('POST', `/vms/${a.InstanceId}/stop`);
    expect([stopped.status, (stopped.body as Vm).state]).toEqual([202, 'stopping']);
    const terminated = await api.call('POST', `/vms/${a.InstanceId}/terminate`);
    expect([terminated.status, (terminated.body as Vm).state]).toEqual([202, 'shutting-down']);
  });

  it('turns InsufficientInstanceCapacity on start into 503 with a clear message', async () => {
    const a = api.aws.seedInstance(VM_TAGS, { State: { Name: 'stopped', Code: 80 } });
    ec2Mock.on(StartInstancesCommand).rejects(ec2Error('InsufficientInstanceCapacity', 'Insufficient capacity.', 500));
    const res = await api.call('POST', `/vms/${a.InstanceId}/start`);
    expect(res.status).toBe(503);
    expect(errorOf(res.body)).toMatchObject({ code: 'INSUFFICIENT_CAPACITY' });
    expect(errorOf(res.body).message).toMatch(/t3\.large capacity/);
  });

  it('turns IncorrectInstanceState into 409', async () => {
    const a = api.aws.seedInstance(VM_TAGS, { State: { Name: 'terminated', Code: 48 } });
    ec2Mock.on(StartInstancesCommand).rejects(ec2Error('IncorrectInstanceState', `The instance '${a.InstanceId}' is not in a state from which it can be started.`));
    const res = await api.call('POST', `/vms/${a.InstanceId}/start`);
    expect(res.status).toBe(409);
    expect(errorOf(res.body).code).toBe('CONFLICT');
  });

  it('answers 429 when AWS still throttles after the SDK\'s own retries', async () => {
    ec2Mock.on(DescribeInstancesCommand).rejects(ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503));
    const res = await api.call('GET', '/vms', { query: { issueKey: 'OPS-42' } });
    expect(res.status).toBe(429);
    expect(errorOf(res.body).code).toBe('THROTTLED');
  });

  it('answers 502 naming the AWS error when the API role is refused', async () => {
    const a = api.aws.seedInstance(VM_TAGS);
    ec2Mock.on(StartInstancesCommand).rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403));
    const res = await api.call('POST', `/vms/${a.InstanceId}/start`);
    expect(res.status).toBe(502);
    expect(errorOf(res.body)).toMatchObject({ code: 'UPSTREAM_FAILED' });
    expect(errorOf(res.body).message).toMatch(/UnauthorizedOperation.*IAM policy/);
  });

  it('answers 405 with Allow for a wrong method and 404 for an unknown route', async () => {
    const res = await api.call('DELETE', '/vms');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST, GET');
    expect((await api.call('GET', '/nowhere')).status).toBe(404);
  });
});
