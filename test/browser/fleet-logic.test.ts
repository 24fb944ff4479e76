import type { FleetRow } from '../../src/contract/resolvers';
import { bulkOutcome } from '../../static/src/fleet/bulk-outcome';
import { applyFilters, dailyByClient, parseHash, sortRows, toCsv, toHash, totalsBy } from '../../static/src/fleet/table-model';

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
  lifecycle: [],
  region: 'us-east-1',
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
    expect(header).toBe('Issue,Developer,Client,Cost center,OS / type,State,Working hours (VM zone),Last started (UTC),Last activity (UTC),Hours this month,Cost this month (USD),Saving vs 24/7 (USD)');
    expect(line).toContain('"\'=HYPERLINK(""http://evil"") Europe/Berlin"');
    expect(line?.endsWith(',1.50,')).toBe(true);
    // The OS as the issue panel names it, not its id.
    expect(line).toContain(',Amazon Linux 2023 · t3.large,');
    expect(toCsv([row({ os: 'rhel-9' })])).toContain(',Red Hat Enterprise Linux 9 · t3.large,');
  });
});

describe('lifecycle states and cost center', () => {
  const rows = [
    row({ id: 'i-00000000000000001', issueKey: 'OPS-1', state: 'stopped', lifecycle: ['parked'], costCenter: 'CC 4711' }),
    row({ id: 'i-00000000000000002', issueKey: 'OPS-2', state: 'stopped', lifecycle: ['idle-stopped', 'warned'], costCenter: 'R&D' }),
    row({ id: 'i-00000000000000003', issueKey: 'OPS-3', state: 'running' }),
  ];
  it('filters by a lifecycle state as by an EC2 state, and by cost center', () => {
    const keys = (s: Parameters<typeof applyFilters>[1]) => applyFilters(rows, s).map((r) => r.issueKey);
    expect(keys({ state: 'parked', sort: 'issue', dir: 'asc' })).toEqual(['OPS-1']);
    expect(keys({ state: 'warned', sort: 'issue', dir: 'asc' })).toEqual(['OPS-2']);
    expect(keys({ state: 'idle-stopped', sort: 'issue', dir: 'asc' })).toEqual(['OPS-2']);
    expect(keys({ state: 'stopped', sort: 'issue', dir: 'asc' })).toEqual(['OPS-1', 'OPS-2']);
    expect(keys({ costCenter: 'CC 4711', sort: 'issue', dir: 'asc' })).toEqual(['OPS-1']);
  });
  it('keeps the new filters in the URL, a cost center checked as an EC2 tag value', () => {
    const s = { state: 'idle-stopped' as const, costCenter: 'CC 4711/ops', sort: 'costCenter' as const, dir: 'asc' as const };
    expect(parseHash(toHash(s))).toEqual(s);
    expect(parseHash('#costCenter=%3Cscript%3E')).toEqual({ sort: 'cost', dir: 'desc' });
  });
  it('shows the last measured activity in its own column, sortable', () => {
    const r = [row({ issueKey: 'OPS-1', lastActivityAt: '2026-11-25T09:15:30.000Z' }), row({ issueKey: 'OPS-2', lastActivityAt: '2026-11-26T08:00:00.000Z' }), row({ issueKey: 'OPS-3' })];
    expect(toCsv(r).split('\r\n')[1]).toContain(',2026-11-25 09:15,');
    expect(sortRows(r, 'lastActivity', 'desc').map((x) => x.issueKey)).toEqual(['OPS-2', 'OPS-1', 'OPS-3']);
  });

  it('shows the lifecycle states in the State column and the cost center in its own, in the CSV too', () => {
    const lines = toCsv(rows).split('\r\n');
    expect(lines[1]).toMatch(/^OPS-1,jdoe,acme,CC 4711,Amazon Linux 2023 · t3.large,stopped · parked,/);
    expect(lines[2]).toMatch(/^OPS-2,jdoe,acme,R&D,Amazon Linux 2023 · t3.large,stopped · idle-stopped · warned,/);
    expect(lines[3]).toMatch(/^OPS-3,jdoe,acme,,Amazon Linux 2023 · t3.large,running,/);
  });
});

describe('running hours per day, stacked by client', () => {
  it('sums each client\'s VMs per day, largest client first, and counts hours that have no day', () => {
    const d = dailyByClient([
      row({ client: 'acme', dailyHours: [1, 0, 2.5], hoursRun: 3.5 }),
      row({ client: 'globex', dailyHours: [4, 4, 4, 1], hoursRun: 20, undatedHours: 7 }),
      row({ client: 'acme', dailyHours: [0.25, 0.25], hoursRun: 0.5 }),
      row({ client: 'initech' }),
    ]);
    expect(d).toEqual({
      days: [1, 2, 3, 4],
      series: [
        { client: 'globex', hours: [4, 4, 4, 1] },
        { client: 'acme', hours: [1.25, 0.25, 2.5, 0] },
        { client: 'initech', hours: [0, 0, 0, 0] },
      ],
      unsplitHours: 7,
    });
  });
  it('keeps the largest clients apart and stacks the rest as one', () => {
    const rows = ['a', 'b', 'c', 'd'].map((client, i) => row({ client, dailyHours: [i + 1] }));
    expect(dailyByClient(rows, 3).series).toEqual([
      { client: 'd', hours: [4] },
      { client: 'c', hours: [3] },
      { client: '2 other clients', hours: [3] },
    ]);
  });
});

describe('bulk outcome', () => {
  const names = new Map([['i-00000000000000001', 'OPS-1'], ['i-00000000000000002', 'OPS-2']]);
  const keyOf = (id: string) => names.get(id);
  it('says one line per outcome, never claiming a comment that was not written', () => {
    expect(
      bulkOutcome('park', [
        { id: 'i-00000000000000001', ok: true, issueKey: 'OPS-1', error: { code: 'AUDIT_COMMENT_FAILED', message: 'Done, but the comment on OPS-1 could not be written (Jira answered HTTP 503).' } },
        { id: 'i-00000000000000002', ok: false, error: { code: 'NOT_FOUND', message: 'No such VM for this issue.' } },
      ], keyOf),
    ).toEqual([
      '1 parked without a comment on its issue: OPS-1 (i-00000000000000001) — Done, but the comment on OPS-1 could not be written (Jira answered HTTP 503).',
      '1 failed: OPS-2 (i-00000000000000002) — No such VM for this issue.',
    ]);
    expect(bulkOutcome('keep', [{ id: 'i-00000000000000001', ok: true, issueKey: 'OPS-1' }], keyOf)).toEqual(['1 with the idle deadline extended, its issue has a comment saying who did it and when']);
    expect(bulkOutcome('terminate', [], keyOf)).toEqual([]);
  });
});
