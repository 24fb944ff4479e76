import { Vm } from '../../../../src/contract/vm-api';
import { captureOutput, VM_TAGS } from '../support';
import { provisionBody, useVmApi } from './api';

// One structured log line per request, whatever the route.

const api = useVmApi();

describe('request logging', () => {
  it('writes one structured line per request with method, route, status, duration and instance id', async () => {
    const a = api.aws.seedInstance(VM_TAGS);
    const { output } = await captureOutput(() => api.call('POST', `/vms/${a}/stop`));
    const lines = output.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ message: 'request', method: 'POST', route: '/vms/{id}/stop', status: 202, instanceId: a });
    expect(typeof lines[0]?.durationMs).toBe('number');
  });

  it('folds the provision decisions into that one line (launch, profile retries, replay)', async () => {
    api.aws.injectFault({ kind: 'error', service: 'ec2', operation: 'RunInstances', code: 'InvalidParameterValue', status: 400, times: 1, message: 'Invalid IAM Instance Profile name' });
    const first = await captureOutput(() => api.call('POST', '/vms', { body: provisionBody }));
    const lines = first.output.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ route: '/vms', status: 202, launched: true, profileRetries: 1, developer: 'jdoe', instanceId: (first.result.body as Vm).id });
    const again = await captureOutput(() => api.call('POST', '/vms', { body: provisionBody }));
    expect(again.output.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(again.output)).toMatchObject({ status: 202, idempotentReplay: true });
  });

  it('logs failures with their code and field but no body', async () => {
    const { output } = await captureOutput(() => api.call('POST', '/vms', { body: { ...provisionBody, developer: 'Bad Name' } }));
    const line = JSON.parse(output.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'WARN', status: 400, errorCode: 'VALIDATION_FAILED', errorField: 'developer', route: '/vms' });
    expect(output).not.toContain('Bad Name');
  });
});
