import { estimateCost } from '../../src/contract/prices';
import { ClientName, DeveloperName, clientDatabaseName, legacyDeveloperLoginName } from '../../src/contract/names';
import { Schedule, expandDays, isKnownTimeZone } from '../../src/contract/schedule';
import { VmApi, fillPath, matchRoute, selectOperation } from '../../src/contract/vm-api';
import { validationError } from '../../src/contract/errors';

describe('names that reach shells, SQL and tags', () => {
  it.each(['acme', 'acme-corp', 'a1', 'x-2-y'])('accepts %s', (n) => {
    expect(ClientName.safeParse(n).success).toBe(true);
    expect(DeveloperName.safeParse(n).success).toBe(true);
  });
  it.each(['', 'a', 'Acme', '1acme', 'acme-', 'ac--me', "a'b", 'a;rm -rf', 'a b', 'a_b', 'x'.repeat(25), '$(id)'])('rejects %j', (n) => {
    expect(ClientName.safeParse(n).success).toBe(false);
  });
  it('derives SQL identifiers with underscores (and the legacy dev_ login that revocation still reaches)', () => {
    expect(clientDatabaseName('acme-corp')).toBe('client_acme_corp');
    expect(legacyDeveloperLoginName('j-doe')).toBe('dev_j_doe');
    expect(legacyDeveloperLoginName('x'.repeat(24)).length).toBeLessThanOrEqual(32);
  });
});

describe('schedule grammar', () => {
  it('fills default days and enabled', () => {
    expect(Schedule.parse({ start: '08:00', stop: '18:00', timezone: 'Europe/London' })).toEqual({
      start: '08:00', stop: '18:00', timezone: 'Europe/London', days: 'MON-FRI', enabled: true,
    });
  });
  it.each([
    [{ start: '8:00', timezone: 'UTC' }, 'start'],
    [{ start: '24:00', timezone: 'UTC' }, 'start'],
    [{ stop: '18:60', timezone: 'UTC' }, 'stop'],
    [{ start: '08:00', timezone: 'Mars/Olympus' }, 'timezone'],
    [{ start: '08:00', timezone: 'UTC', days: 'mon-fri' }, 'days'],
    [{ start: '08:00', timezone: 'UTC', days: 'MON-' }, 'days'],
    [{ start: '08:00', stop: '08:00', timezone: 'UTC' }, 'stop'],
  ])('rejects %j naming the field %s', (input, field) => {
    const r = Schedule.safeParse(input);
    expect(r.success).toBe(false);
    if (!r.success) expect(validationError(r.error.issues).field).toBe(field);
  });
  it('accepts legacy zone links', () => {
    expect(isKnownTimeZone('US/Eastern')).toBe(true);
  });
  it('expands wrapping day ranges', () => {
    expect([...expandDays('SAT-MON')].sort()).toEqual(['MON', 'SAT', 'SUN']);
    expect([...expandDays('MON,WED-FRI')].sort()).toEqual(['FRI', 'MON', 'THU', 'WED']);
  });
});

describe('VM API routes', () => {
  it('matches every operation by its own method and path', () => {
    for (const [op, def] of Object.entries(VmApi)) {
      const path = fillPath(def.path, { id: 'i-0123456789abcdef0', client: 'acme', developer: 'jdoe' });
      const m = matchRoute(def.method, path);
      // GET /vms is two operations, told apart by the query (selectOperation).
      const query = op === 'listVms' ? { issueKey: 'OPS-1' } : {};
      expect(m.op && selectOperation(m.op, query)).toBe(op);
    }
  });
  it('reports the allowed methods of a known path', () => {
    expect(matchRoute('DELETE', '/vms')).toEqual({ op: null, allowed: ['POST', 'GET'] });
  });
  it('encodes path parameters', () => {
    expect(fillPath('/vms/{id}', { id: 'a/b' })).toBe('/vms/a%2Fb');
  });
});

describe('cost estimate', () => {
  it('compares the hours run with 24/7 over the same period, from creation to the accounting time', () => {
    const c = estimateCost('t3.large', 'al2023', '2026-11', 80, { from: new Date('2026-11-10T00:00:00Z'), to: new Date('2026-11-20T00:00:00Z') });
    expect(c?.alwaysOnUsd).toBeCloseTo(240 * 0.0832, 6);
    expect(c?.costUsd).toBeCloseTo(80 * 0.0832, 6);
    expect(c?.savingPercent).toBeCloseTo((100 * 160) / 240, 6);
  });
  it('starts the period at the month start for a VM created earlier, and compares the whole month without a period', () => {
    const c = estimateCost('t3.large', 'al2023', '2026-11', 10, { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-11-02T00:00:00Z') });
    expect(c?.alwaysOnUsd).toBeCloseTo(24 * 0.0832, 6);
    expect(estimateCost('t3.large', 'al2023', '2026-11', 10)?.alwaysOnUsd).toBeCloseTo(720 * 0.0832, 6);
  });
  it('adds the RHEL licence and knows no price for an unknown type', () => {
    expect(estimateCost('t3.large', 'rhel-9', '2026-11', 1)?.costUsd).toBeCloseTo(0.0832 + 0.0288, 6);
    expect(estimateCost('z9.huge', 'al2023', '2026-11', 1)).toBeUndefined();
  });
});
