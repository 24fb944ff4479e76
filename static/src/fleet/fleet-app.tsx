import { useEffect, useMemo, useState } from 'react';
import { view } from '@forge/bridge';
import { token } from '@atlaskit/tokens';
import { UNVERIFIED_REGIONS } from '../../../src/contract/prices';
import { FLEET_BULK_MAX, R, type FleetBulkAction, type FleetBulkResult, type FleetRow } from '../../../src/contract/resolvers';
import { call } from '../shared/api';
import { dateLabel, monthLabel, usd } from '../shared/format';
import { ConfirmDialog, Message, PanelButton } from '../shared/light-controls';
import { FailureMessage, mutedText, row, Section } from '../shared/ui';
import { bulkOutcome } from './bulk-outcome';
import { CostChart } from './cost-chart';
import { DailyChart } from './daily-chart';
import { applyFilters, COLUMNS, dailyByClient, parseHash, projectOf, sortRows, STATE_FILTERS, toCsv, toHash, totalsBy, type FleetUrlState, type SortKey, type Totals } from './table-model';
import { useFleet } from './use-fleet';

/** The fleet page: every VM the caller may see, filters and sorting kept in the URL, totals, CSV and bulk actions. */

type BulkAction = FleetBulkAction;

/** Each bulk action's words: button, dialog (what happens), result title. */
const BULK: Record<BulkAction, { verb: string; button: string; explains: string }> = {
  stop: { verb: 'Stop', button: 'Stop selected', explains: 'These VMs stop now; their schedules start them again at the next start time.' },
  park: {
    verb: 'Park',
    button: 'Park selected',
    explains: 'These VMs are parked: their schedules no longer start them until they are unparked (from the issue panel, or by reopening the issue). Running ones keep running until their next stop.',
  },
  keep: {
    verb: 'Extend idle deadline of',
    button: 'Extend idle deadline',
    explains: 'The idle clock of these VMs starts again now, as with “Keep this VM” in the panel: an idle warning no longer stands, and termination comes no earlier than a full idle period from now.',
  },
  terminate: { verb: 'Terminate', button: 'Terminate selected', explains: 'These instances are deleted; each developer’s home directory and the client databases are kept.' },
};
const vmsText = (n: number): string => `${n} VM${n === 1 ? '' : 's'}`;

/** A row after a bulk action, from the VM API's answer: its state, and park / keep as lifecycle states. */
function afterBulk(r: FleetRow, action: BulkAction, res: FleetBulkResult['results'][number]): FleetRow {
  const next: FleetRow = { ...r, ...(res.state ? { state: res.state } : {}) };
  if (action === 'park' && res.parkedAt) return { ...next, parkedAt: res.parkedAt, lifecycle: r.lifecycle.includes('parked') ? r.lifecycle : ['parked', ...r.lifecycle] };
  if (action === 'keep') {
    const { terminateAt: _ended, ...rest } = next;
    return { ...rest, lifecycle: r.lifecycle.filter((f) => f !== 'warned') };
  }
  return next;
}

function useUrlState(): [FleetUrlState, (next: FleetUrlState) => void] {
  const [s, set] = useState<FleetUrlState>(() => parseHash(window.location.hash));
  useEffect(() => {
    const onHash = () => set(parseHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const update = (next: FleetUrlState) => {
    history.replaceState(null, '', toHash(next));
    set(next);
  };
  return [s, update];
}

function useSiteUrl(): string {
  const [url, setUrl] = useState('');
  useEffect(() => {
    view.getContext().then(
      (c) => setUrl(typeof (c as { siteUrl?: unknown }).siteUrl === 'string' ? (c as { siteUrl: string }).siteUrl : ''),
      () => setUrl(''),
    );
  }, []);
  return url;
}

const distinct = (rows: readonly FleetRow[], pick: (r: FleetRow) => string): string[] => [...new Set(rows.map(pick))].sort();

function FilterSelect(props: { id: string; label: string; value: string | undefined; options: readonly string[]; onChange: (v: string | undefined) => void }) {
  return (
    <label htmlFor={props.id} style={{ display: 'inline-flex', flexDirection: 'column', gap: token('space.050') }}>
      <span style={mutedText}>{props.label}</span>
      <select id={props.id} data-testid={props.id} value={props.value ?? ''} onChange={(e) => props.onChange(e.target.value || undefined)}>
        <option value="">All</option>
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

function TotalsTable(props: { title: string; by: string; totals: Totals[]; testId: string }) {
  // A narrow viewport (a phone, a split screen) scrolls the table sideways inside its own region
  // instead of widening the page; focusable so a keyboard user can scroll it too.
  return (
    <div role="region" aria-label={props.title} tabIndex={0} data-testid={`${props.testId}-scroll`} style={{ overflowX: 'auto', maxWidth: '100%', minWidth: 0 }}>
    <table data-testid={props.testId} className="dv-table">
      <caption style={{ textAlign: 'start', fontWeight: 600 }}>{props.title}</caption>
      <thead>
        <tr>
          <th scope="col">{props.by}</th>
          <th scope="col">VMs</th>
          <th scope="col">Running</th>
          <th scope="col">Hours</th>
          <th scope="col">Cost</th>
          <th scope="col">24/7 would cost</th>
          <th scope="col">Saving</th>
        </tr>
      </thead>
      <tbody>
        {props.totals.map((t) => (
          <tr key={t.key}>
            <th scope="row">{t.key}</th>
            <td className="dv-num">{t.vms}</td>
            <td className="dv-num">{t.running}</td>
            <td className="dv-num">{t.hoursRun.toFixed(1)}</td>
            <td className="dv-num">{usd(t.costUsd)}</td>
            <td className="dv-num">{usd(t.alwaysOnUsd)}</td>
            <td className="dv-num">{usd(t.savingUsd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}

function download(csv: string): void {
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `dev-vm-fleet-${new Date().toISOString().slice(0, 10)}.csv`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Also read by scripts/bench/fleet.ts and test/browser/fleet-page.test.ts (by name). */
const FIRST_CONTENT_MARK = 'dev-vm:first-content';

const utcMinute = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** The state cell's tooltip: when it was parked or idle-stopped, when a warned VM goes, and EC2's reason. */
function stateDetail(r: FleetRow): string | undefined {
  const parts = [
    r.parkedAt ? `parked since ${utcMinute(r.parkedAt)}` : '',
    r.idleStoppedAt ? `stopped for being idle at ${utcMinute(r.idleStoppedAt)}` : '',
    r.terminateAt ? `warned as idle: terminated at ${utcMinute(r.terminateAt)} unless used or kept` : '',
    r.stateReason ?? r.scheduleError ?? '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : undefined;
}

export function FleetApp() {
  const fleet = useFleet();
  const [s, setS] = useUrlState();
  const siteUrl = useSiteUrl();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirm, setConfirm] = useState<BulkAction | undefined>();
  const [bulk, setBulk] = useState<{ action: BulkAction; results: FleetBulkResult['results']; issueKeys: ReadonlyMap<string, string> } | undefined>();
  const [busy, setBusy] = useState(false);

  const shown = useMemo(() => sortRows(applyFilters(fleet.rows, s), s.sort, s.dir), [fleet.rows, s]);
  const byClient = useMemo(() => totalsBy(shown, 'client'), [shown]);
  const byDeveloper = useMemo(() => totalsBy(shown, 'developer'), [shown]);
  const daily = useMemo(() => dailyByClient(shown), [shown]);
  const regions = useMemo(() => distinct(fleet.rows, (r) => r.region), [fleet.rows]);
  const unchecked = regions.filter((r) => UNVERIFIED_REGIONS.includes(r));
  const sum = useMemo(() => totalsBy(shown.map((r) => ({ ...r, client: 'all' })), 'client')[0], [shown]);

  useEffect(() => {
    // The bench's "first page on screen" (scripts/bench/fleet.ts): placed after React committed the
    // first page, with the rows it put in the table, so it cannot be taken before they show.
    if (fleet.meta) performance.mark(FIRST_CONTENT_MARK, { detail: { rows: document.querySelectorAll('[data-testid="fleet-row"]').length } });
  }, [fleet.meta]);

  if (fleet.error) return <FailureMessage title="The fleet could not be loaded" error={fleet.error} testId="fleet-failure" />;
  if (!fleet.meta) return <p aria-busy="true" data-testid="fleet-loading">Loading the fleet…</p>;
  const meta = fleet.meta;
  const canAct = meta.canAct;
  const chosen = shown.filter((r) => selected.has(r.id));

  const setFilter = (k: 'client' | 'developer' | 'state' | 'project' | 'costCenter', v: string | undefined) => {
    const next = { ...s, [k]: v } as FleetUrlState;
    if (v === undefined) delete next[k];
    setS(next);
  };
  const sortBy = (key: SortKey) => setS({ ...s, sort: key, dir: s.sort === key && s.dir === 'desc' ? 'asc' : 'desc' });

  const runBulk = async (action: BulkAction) => {
    setConfirm(undefined);
    setBusy(true);
    const vms = chosen.map((r) => ({ id: r.id, issueKey: r.issueKey }));
    const results: FleetBulkResult['results'] = [];
    for (let i = 0; i < vms.length; i += FLEET_BULK_MAX) {
      const res = await call(R.fleetBulk, { action, vms: vms.slice(i, i + FLEET_BULK_MAX) });
      if (res.ok) results.push(...res.data.results);
      else for (const { id } of vms.slice(i, i + FLEET_BULK_MAX)) results.push({ id, ok: false, error: { code: res.error.code, message: res.error.message } });
    }
    const done = new Map(results.filter((r) => r.ok).map((r) => [r.id, r]));
    fleet.patchRows((rows) => rows.map((r) => {
      const res = done.get(r.id);
      return res ? afterBulk(r, action, res) : r;
    }));
    setSelected(new Set());
    setBulk({ action, results, issueKeys: new Map(vms.map((v) => [v.id, v.issueKey])) });
    setBusy(false);
  };

  const title = meta.scope.kind === 'project' ? `Dev VMs of project ${meta.scope.projectKey}` : 'Dev VM fleet';
  return (
    <main style={{ padding: token('space.200') }}>
      <h1 style={{ font: token('font.heading.large'), margin: 0 }}>{title}</h1>
      <p style={mutedText} data-testid="fleet-basis">
        {monthLabel(meta.month)} so far (UTC). Costs are estimates from AWS on-demand prices for {regions.join(', ') || 'each VM’s region'} as of {dateLabel(meta.pricesAsOf)} (
        {meta.pricesSource}){unchecked.length ? `, figures for ${unchecked.join(', ')} not yet checked against AWS` : ''}; hours come from the scheduler’s records. {fleet.more ? `Loading more… ${fleet.rows.length} VMs so far.` : `${fleet.rows.length} VMs.`}
      </p>

      <div style={{ ...row, alignItems: 'flex-end' }} role="group" aria-label="Filters">
        <FilterSelect id="filter-client" label="Client" value={s.client} options={distinct(fleet.rows, (r) => r.client)} onChange={(v) => setFilter('client', v)} />
        <FilterSelect id="filter-developer" label="Developer" value={s.developer} options={distinct(fleet.rows, (r) => r.developer)} onChange={(v) => setFilter('developer', v)} />
        <FilterSelect id="filter-state" label="State" value={s.state} options={STATE_FILTERS} onChange={(v) => setFilter('state', v)} />
        <FilterSelect id="filter-cost-center" label="Cost center" value={s.costCenter} options={distinct(fleet.rows, (r) => r.costCenter ?? '').filter(Boolean)} onChange={(v) => setFilter('costCenter', v)} />
        {meta.scope.kind === 'site' && (
          <FilterSelect id="filter-project" label="Project" value={s.project} options={distinct(fleet.rows, (r) => projectOf(r.issueKey))} onChange={(v) => setFilter('project', v)} />
        )}
        <PanelButton testId="export-csv" onClick={() => download(toCsv(shown))}>
          Export CSV ({shown.length})
        </PanelButton>
        {canAct && (
          <>
            {(['stop', 'park', 'keep', 'terminate'] as const).map((a) => (
              <PanelButton
                key={a}
                testId={`bulk-${a}`}
                {...(a === 'terminate' ? { appearance: 'danger' as const } : {})}
                disabledReason={chosen.length ? undefined : 'Select VMs first'}
                isLoading={busy}
                onClick={() => setConfirm(a)}
              >
                {BULK[a].button} ({chosen.length})
              </PanelButton>
            ))}
          </>
        )}
      </div>

      {bulk && (
        <div style={{ marginBlockStart: token('space.200') }}>
          <Message tone={bulk.results.every((r) => r.ok && !r.error) ? 'success' : 'warning'} title={`${BULK[bulk.action].button}: ${bulk.results.filter((r) => r.ok).length} of ${bulk.results.length} done`} testId="bulk-result" role="status">
            <ul data-testid="bulk-outcome">
              {bulkOutcome(bulk.action, bulk.results, (id) => bulk.issueKeys.get(id)).map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          </Message>
        </div>
      )}

      {sum && (
        <p data-testid="fleet-summary" style={{ marginBlock: token('space.200') }}>
          Shown: <strong>{sum.vms}</strong> VMs, <strong>{sum.running}</strong> running now, <strong>{sum.hoursRun.toFixed(1)} h</strong> run, cost{' '}
          <strong>{usd(sum.costUsd)}</strong> against {usd(sum.alwaysOnUsd)} for 24/7 (saving <strong>{usd(sum.savingUsd)}</strong>).
        </p>
      )}

      <Section title="Running hours per day, by client" id="daily-heading">
        <DailyChart data={daily} month={monthLabel(meta.month)} loading={fleet.more} />
      </Section>

      <Section title="Cost this month per client, against 24/7" id="chart-heading">
        <CostChart totals={byClient} loading={fleet.more} />
      </Section>

      <Section title="Totals of what is shown" id="totals-heading">
        <div style={{ display: 'flex', flexWrap: 'wrap', gap: token('space.300') }}>
          <TotalsTable title="Per client" by="Client" totals={byClient} testId="totals-client" />
          <TotalsTable title="Per developer" by="Developer" totals={byDeveloper} testId="totals-developer" />
        </div>
      </Section>

      <Section title="Every VM shown" id="table-heading">
        <div style={{ overflowX: 'auto' }}>
          <table className="dv-table" data-testid="fleet-table" aria-rowcount={shown.length + 1}>
            <caption className="dv-visually-hidden">Dev VMs, {shown.length} shown</caption>
            <thead>
              <tr>
                {canAct && (
                  <th scope="col">
                    <input
                      type="checkbox"
                      aria-label="Select every VM shown"
                      data-testid="select-all"
                      checked={shown.length > 0 && chosen.length === shown.length}
                      onChange={(e) => setSelected(e.target.checked ? new Set(shown.map((r) => r.id)) : new Set())}
                    />
                  </th>
                )}
                {COLUMNS.map((c) => (
                  <th key={c.key} scope="col" aria-sort={s.sort === c.key ? (s.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
                    <button type="button" className="dv-sort" data-testid={`sort-${c.key}`} onClick={() => sortBy(c.key)}>
                      {c.label}
                      <span aria-hidden="true">{s.sort === c.key ? (s.dir === 'asc' ? ' ▲' : ' ▼') : ''}</span>
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.id} data-testid="fleet-row" data-id={r.id}>
                  {canAct && (
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select ${r.issueKey} (${r.id})`}
                        checked={selected.has(r.id)}
                        onChange={(e) =>
                          setSelected((prev) => {
                            const next = new Set(prev);
                            if (e.target.checked) next.add(r.id);
                            else next.delete(r.id);
                            return next;
                          })
                        }
                      />
                    </td>
                  )}
                  {COLUMNS.map((c) =>
                    c.key === 'issue' ? (
                      <td key={c.key}>
                        <a href={`${siteUrl}/browse/${r.issueKey}`} target="_blank" rel="noreferrer">
                          {r.issueKey}
                        </a>
                      </td>
                    ) : (
                      <td key={c.key} className={c.numeric ? 'dv-num' : undefined} title={c.key === 'state' ? stateDetail(r) : undefined}>
                        {c.text(r)}
                      </td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>

      {confirm && (
        <ConfirmDialog
          title={`${BULK[confirm].verb} ${vmsText(chosen.length)}?`}
          confirmLabel={`${BULK[confirm].verb} ${vmsText(chosen.length)}`}
          onCancel={() => setConfirm(undefined)}
          onConfirm={() => void runBulk(confirm)}
          testId="bulk-dialog"
        >
          <p>
            {BULK[confirm].explains} Each issue gets a comment naming you.
          </p>
          <ul data-testid="bulk-dialog-vms" style={{ maxHeight: '12rem', overflowY: 'auto' }}>
            {chosen.map((r) => (
              <li key={r.id}>
                {r.issueKey}: <code>{r.id}</code> ({r.developer}, {r.client})
              </li>
            ))}
          </ul>
        </ConfirmDialog>
      )}
    </main>
  );
}
