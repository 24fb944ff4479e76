import type { FleetRow } from '../../src/contract/resolvers';
import { applyFilters, parseHash, sortRows, toCsv, toHash, totalsBy } from '../../static/src/fleet/table-model';

/** The fleet page's table model (static/src/fleet/table-model.ts) without a browser. */

const row = (over: Partial<FleetRow>): FleetRow => ({
  id: 'i-0123456789abcdef0',
  issueKey: 'OPS-1',
  client: 'acme',
  developer: 'jdoe',
  os: 'al2023',
  instanceType: 't3.large',
  state: 'running',
  hours: '08:00–18:00 MON-FRI',
  timezone: 'Europe/Berlin',
  ...over,
});

describe('URL state', () => {
  it('round-trips filters and sort through the hash', () => {
    const s = { client: 'acme', state: 'stopped' as const, project: 'OPS', sort: 'saving' as const, dir: 'asc' as const };
    expect(parseHash(toHash(s))).toEqual(s);
  });
  it('drops what it does not know instead of failing', () => {
    expect(parseHash('#state=asleep&sort=nope&client=%3Cscript%3E&dir=up')).toEqual({ sort: 'cost', dir: 'desc' });
  });
});

describe('filters, sort and totals', () => {
  const rows = [
    row({ id: 'i-00000000000000001', issueKey: 'OPS-2', client: 'acme', costUsd: 5, alwaysOnUsd: 20, savingUsd: 15, hoursRun: 60 }),
    row({ id: 'i-00000000000000002', issueKey: 'OPS-10', client: 'globex', state: 'stopped', costUsd: 9, alwaysOnUsd: 30, savingUsd: 21, hoursRun: 100 }),
    row({ id: 'i-00000000000000003', issueKey: 'OPSX-1', client: 'acme' }),
  ];
  it('filters by project on the whole key prefix', () => {
    expect(applyFilters(rows, { project: 'OPS', sort: 'cost', dir: 'desc' }).map((r) => r.issueKey)).toEqual(['OPS-2', 'OPS-10']);
  });
  it('sorts issues by number, and unpriced VMs last when costs descend', () => {
    expect(sortRows(rows, 'issue', 'asc').map((r) => r.issueKey)).toEqual(['OPS-2', 'OPS-10', 'OPSX-1']);
    expect(sortRows(rows, 'cost', 'desc').map((r) => r.issueKey)).toEqual(['OPS-10', 'OPS-2', 'OPSX-1']);
  });
  it('totals per client', () => {
    expect(totalsBy(rows, 'client')).toEqual([
      { key: 'globex', vms: 1, running: 0, hoursRun: 100, costUsd: 9, alwaysOnUsd: 30, savingUsd: 21 },
      { key: 'acme', vms: 2, running: 2, hoursRun: 60, costUsd: 5, alwaysOnUsd: 20, savingUsd: 15 },
    ]);
  });
});

describe('CSV', () => {
  it('quotes per RFC 4180 and defuses spreadsheet formulas', () => {
    const csv = toCsv([row({ stateReason: 'x', hours: '=HYPERLINK("http://evil")', costUsd: 1.5 })]);
    const [header, line] = csv.split('\r\n');
    expect(header).toBe('Issue,Developer,Client,OS / type,State,Working hours (VM zone),Last started (UTC),Hours this month,Cost this month (USD),Saving vs 24/7 (USD)');
    expect(line).toContain('"\'=HYPERLINK(""http://evil"") Europe/Berlin"');
    expect(line?.endsWith(',1.50,')).toBe(true);
  });
});
