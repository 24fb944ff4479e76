import { useVmApi, errorOf } from './api';

// DELETE /clients/{client}/developers/{developer}.

const api = useVmApi();

describe('DELETE /clients/{client}/developers/{developer}', () => {
  it('revokes the developer through the database module', async () => {
    const res = await api.call('DELETE', '/clients/acme/developers/jdoe');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ client: 'acme', developer: 'jdoe', revoked: true });
    expect(api.db.calls).toEqual([{ op: 'revoke', client: 'acme', developer: 'jdoe' }]);
  });

  it('rejects an unsafe client name before calling the database module', async () => {
    const res = await api.call('DELETE', `/clients/${encodeURIComponent('a;b')}/developers/jdoe`);
    expect(res.status).toBe(400);
    expect(errorOf(res.body).field).toBe('client');
    expect(api.db.calls).toHaveLength(0);
  });
});
