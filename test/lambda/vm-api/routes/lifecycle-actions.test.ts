import { Vm } from '../../../../src/contract/vm-api';
import { VM_TAGS } from '../support';
import { errorOf, useVmApi } from './api';

// POST /vms/{id}/start|stop, DELETE /vms/{id}, and how AWS errors and unknown routes are answered.

const api = useVmApi();

describe('lifecycle actions', () => {
  it('starts, stops and terminates with 202 and the new state', async () => {
    const a = api.aws.seedInstance(VM_TAGS, { state: 'stopped' });
    const started = await api.call('POST', `/vms/${a}/start`);
    expect([started.status, (started.body as Vm).state]).toEqual([202, 'pending']);
    api.aws.settle(); // EC2 refuses to stop a pending instance (IncorrectInstanceState)
    const stopped = await api.call('POST', `/vms/${a}/stop`);
    expect([stopped.status, (stopped.body as Vm).state]).toEqual([202, 'stopping']);
    const terminated = await api.call('POST', `/vms/${a}/terminate`);
    expect([terminated.status, (terminated.body as Vm).state]).toEqual([202, 'shutting-down']);
  });

  it('turns InsufficientInstanceCapacity on start into 503 with a clear message', async () => {
    const a = api.aws.seedInstance(VM_TAGS, { state: 'stopped' });
    api.aws.injectFault({ kind: 'insufficient-capacity', instanceId: a });
    const res = await api.call('POST', `/vms/${a}/start`);
    expect(res.status).toBe(503);
    expect(errorOf(res.body)).toMatchObject({ code: 'INSUFFICIENT_CAPACITY' });
    expect(errorOf(res.body).message).toMatch(/t3\.large capacity/);
  });

  it('turns IncorrectInstanceState into 409', async () => {
    const a = api.aws.seedInstance(VM_TAGS, { state: 'terminated' });
    const res = await api.call('POST', `/vms/${a}/start`);
    expect(res.status).toBe(409);
    expect(errorOf(res.body).code).toBe('CONFLICT');
  });

  it('answers 429 when AWS still throttles after the SDK\'s own retries', async () => {
    const throttled = api.aws.injectFault({ kind: 'throttle', calls: 100, service: 'ec2', operation: 'DescribeInstances' });
    const res = await api.call('GET', '/vms', { query: { issueKey: 'OPS-42' } });
    expect(res.status).toBe(429);
    expect(errorOf(res.body).code).toBe('THROTTLED');
    expect(100 - throttled.remaining()).toBe(5); // RETRY_CONFIG.maxAttempts, all throttled
  });

  it('answers 502 naming the AWS error when the API role is refused', async () => {
    const a = api.aws.seedInstance(VM_TAGS);
    api.aws.injectFault({ kind: 'instance-error', operation: 'StartInstances', instanceId: a, code: 'UnauthorizedOperation', status: 403, message: 'You are not authorized to perform this operation.' });
    const res = await api.call('POST', `/vms/${a}/start`);
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
