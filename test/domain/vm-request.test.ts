import { DEFAULT_POLICY, FIELD_ROLE_LABELS, type FieldRole, type Settings } from '../../src/contract/settings';
import { fieldText, idempotencyKeyFor, readVmRequest, toDraft } from '../../src/domain/vm-request';
import { IdempotencyKey } from '../../src/contract/vm-api';

const mapping: Settings['fields'] = { client: 'cf_client', developer: 'cf_dev', instanceType: 'cf_type', os: 'cf_os', start: 'cf_start', stop: 'cf_stop', timezone: 'cf_tz', days: 'cf_days' };
const policy = { ...DEFAULT_POLICY, allowedInstanceTypes: ['t3.medium', 't3.large'], allowedOs: ['al2023' as const, 'ubuntu-24.04' as const] };
const valid = { cf_client: 'acme-corp', cf_dev: 'jdoe', cf_type: { value: 't3.large' }, cf_os: { value: 'al2023' }, cf_start: '08:00', cf_stop: '17:30', cf_tz: 'America/New_York', cf_days: 'MON-FRI' };

describe('reading the VM request from issue fields', () => {
  it('reads a checkbox of days (or the panel’s write-back) in range form, and keeps what a person typed', () => {
    const days = (value: unknown) => {
      const r = readVmRequest('OPS-1', { ...valid, cf_days: value }, mapping, policy);
      return r.ok ? r.request.schedule.days : r.problems;
    };
    expect(days(['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'].map((value) => ({ value })))).toBe('MON-SAT');
    expect(days(['FRI', 'MON', 'TUE', 'WED'].map((value) => ({ value })))).toBe('MON-WED,FRI');
    expect(days('MON,WED,FRI')).toBe('MON,WED,FRI');
    expect(days('sat-mon')).toBe('SAT-MON');
  });

  it('reads a complete, valid request', () => {
    const r = readVmRequest('OPS-1', valid, mapping, policy);
    expect(r).toMatchObject({ ok: true, request: { issueKey: 'OPS-1', client: 'acme-corp', developer: 'jdoe', instanceType: 't3.large', os: 'al2023', schedule: { start: '08:00', stop: '17:30', timezone: 'America/New_York', days: 'MON-FRI', enabled: true } } });
  });

  it('falls back to the policy for empty optional fields', () => {
    const r = readVmRequest('OPS-1', { cf_client: 'acme', cf_dev: 'jdoe' }, mapping, policy);
    expect(r).toMatchObject({ ok: true, request: { instanceType: 't3.medium', os: 'al2023', schedule: DEFAULT_POLICY.defaultSchedule } });
  });

  it.each([
    ['cf_client', 'ACME', 'client'],
    ['cf_client', 'a', 'client'],
    ['cf_dev', "o'brien", 'developer'],
    ['cf_dev', '$(id)', 'developer'],
    ['cf_type', 'm5.24xlarge', 'instanceType'],
    ['cf_type', 'not a type', 'instanceType'],
    ['cf_os', 'windows', 'os'],
    ['cf_start', '8:00', 'start'],
    ['cf_stop', '17:60', 'stop'],
    ['cf_tz', 'EST5EDT-ish', 'timezone'],
    ['cf_days', 'MON-FUN', 'days'],
  ])('field %s = %j is a problem naming %s', (id, value, role) => {
    const r = readVmRequest('OPS-1', { ...valid, [id]: value }, mapping, policy);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ field: id, label: FIELD_ROLE_LABELS[role as FieldRole] });
    expect(r.problems[0]?.message).toContain(String(value));
  });

  it('reports every problem at once', () => {
    const r = readVmRequest('OPS-1', { ...valid, cf_client: 'X', cf_dev: null, cf_start: '25:00', cf_tz: 'Nowhere/Land' }, mapping, policy);
    expect(r.ok ? [] : r.problems.map((p) => p.label)).toEqual(['Developer', 'Client', 'Start time', 'Time zone']);
  });

  it('says when client or developer is not mapped at all', () => {
    const r = readVmRequest('OPS-1', valid, { ...mapping, client: undefined }, policy);
    expect(r.ok ? [] : r.problems).toEqual([expect.objectContaining({ field: 'client', message: expect.stringContaining('not mapped') })]);
  });

  it('rejects equal start and stop', () => {
    const r = readVmRequest('OPS-1', { ...valid, cf_stop: '08:00' }, mapping, policy);
    expect(r.ok ? [] : r.problems.map((p) => p.label)).toEqual(['Stop time']);
  });

  it('accepts lenient days and OS labels people type', () => {
    const r = readVmRequest('OPS-1', { ...valid, cf_days: 'mon - fri', cf_os: 'Ubuntu 24.04 LTS', cf_type: 'T3.MEDIUM' }, mapping, policy);
    expect(r).toMatchObject({ ok: true, request: { os: 'ubuntu-24.04', instanceType: 't3.medium', schedule: { days: 'MON-FRI' } } });
  });

  it.each([
    ['Mon–Fri', 'MON-FRI'],
    ['Mon–Wed, Fri', 'MON-WED,FRI'],
    ['sat — mon', 'SAT-MON'],
  ])('accepts days written as the app writes them, with a dash: %j', (days, spec) => {
    // Comments and the panel show "Mon–Fri" (en dash); copying that back into the field must work.
    const r = readVmRequest('OPS-1', { ...valid, cf_days: days }, mapping, policy);
    expect(r).toMatchObject({ ok: true, request: { schedule: { days: spec } } });
  });

  it('quotes a long bad value shortened, so the problems comment stays within Jira’s comment size', () => {
    const huge = 'x'.repeat(40_000);
    const r = readVmRequest('OPS-1', { ...valid, cf_client: huge, cf_dev: huge, cf_days: huge, cf_tz: huge }, mapping, policy);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(4);
    for (const p of r.problems) {
      expect(p.message.length).toBeLessThan(300);
      expect(p.message).toContain('xxxxxxxx…');
    }
  });

  it('builds the panel draft from the values read', () => {
    expect(toDraft(readVmRequest('OPS-1', valid, mapping, policy))).toEqual({
      values: { client: 'acme-corp', developer: 'jdoe', instanceType: 't3.large', os: 'al2023', start: '08:00', stop: '17:30', timezone: 'America/New_York', days: 'MON-FRI' },
      problems: [],
    });
  });
});

describe('cost center (optional mapped field, issue 13)', () => {
  const withCost: Settings['fields'] = { ...mapping, costCenter: 'cf_cost' };

  it('goes into the request when filled with a valid tag value, from text or a select option', () => {
    expect(readVmRequest('OPS-1', { ...valid, cf_cost: 'CC-1234 / R&D'.replace('&', '+') }, withCost, policy)).toMatchObject({ ok: true, request: { costCenter: 'CC-1234 / R+D' } });
    expect(readVmRequest('OPS-1', { ...valid, cf_cost: { value: 'Zürich:42' } }, withCost, policy)).toMatchObject({ ok: true, request: { costCenter: 'Zürich:42' } });
    expect(toDraft(readVmRequest('OPS-1', { ...valid, cf_cost: 'CC-1' }, withCost, policy)).values.costCenter).toBe('CC-1');
  });

  it('is left out when the field is not mapped or empty: no CostCenter tag, no problem', () => {
    for (const [fields, m] of [[valid, mapping], [{ ...valid, cf_cost: '  ' }, withCost]] as const) {
      const r = readVmRequest('OPS-1', fields, m, policy);
      expect(r.ok).toBe(true);
      expect(r.ok && 'costCenter' in r.request).toBe(false);
    }
  });

  it.each([['CC#1'], ['cost; rm -rf'], ['<b>x</b>'], ['x'.repeat(257)]])('refuses %j with a problem on the Cost center field that says why', (value) => {
    const r = readVmRequest('OPS-1', { ...valid, cf_cost: value }, withCost, policy);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([expect.objectContaining({ field: 'cf_cost', label: 'Cost center', message: expect.stringMatching(/tag value/) })]);
  });
});

describe('field values of every Jira type', () => {
  it.each([
    ['  text  ', 'text'],
    ['', undefined],
    [null, undefined],
    [42, '42'],
    [{ value: 'opt', id: '1' }, 'opt'],
    [{ name: 'named' }, 'named'],
    [[{ value: 'MON' }, { value: 'WED' }], 'MON,WED'],
    [{ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'acme' }] }] }, 'acme'],
    [{ unexpected: true }, undefined],
  ])('%j → %j', (value, text) => {
    expect(fieldText(value)).toBe(text);
  });
});

describe('idempotency keys', () => {
  it('are stable for one issue and changelog, differ across changelogs, and fit the contract', () => {
    const a = idempotencyKeyFor('10042', 'cl10400');
    expect(a).toBe(idempotencyKeyFor('10042', 'cl10400'));
    expect(a).not.toBe(idempotencyKeyFor('10042', 'cl10401'));
    expect(IdempotencyKey.safeParse(a).success).toBe(true);
    expect(IdempotencyKey.safeParse(idempotencyKeyFor('1'.repeat(40), 'x'.repeat(40))).success).toBe(true);
  });
});
