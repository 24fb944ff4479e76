import { Health } from '../../../../src/contract/vm-api';
import { useVmApi } from './api';

// GET /health: what the admin page shows as the stack's allow-lists.

const api = useVmApi();

describe('GET /health', () => {
  it('reports the allow-lists, region and version', async () => {
    const res = await api.call('GET', '/health');
    expect(res.status).toBe(200);
    expect(Health.parse(res.body)).toEqual({ ok: true, version: '1.2.3', region: 'eu-west-1', allowedInstanceTypes: ['t3.medium', 't3.large'], allowedOs: ['al2023', 'ubuntu-24.04'] });
  });
});
