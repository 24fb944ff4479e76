import { LIFECYCLE_FLAGS, type FleetRow, type LifecycleFlag } from '../../../src/contract/resolvers';
import { OS_LABELS, VM_STATES, type VmState } from '../../../src/contract/vm-api';

/**
 * What the fleet table shows, as pure functions of the loaded rows and the URL state: the filters,
 * the sort, the totals and the CSV. The table and the CSV use the same COLUMNS, so the export is
 * exactly what is on screen.
 */

/** The state filter: an EC2 state, or a lifecycle state (parked, idle-stopped, warned). */
export type StateFilter = VmState | LifecycleFlag;
export const STATE_FILTERS: readonly StateFilter[] = [...VM_STATES, ...LIFECYCLE_FLAGS];

export interface FleetUrlState {
  client?: string;
  developer?: string;
  state?: StateFilter;
  project?: string;
  costCenter?: string;
  sort: SortKey;
  dir: 'asc' | 'desc';
}

export const SORT_KEYS = ['issue', 'developer', 'client', 'costCenter', 'type', 'state', 'hours', 'lastStart', 'lastActivity', 'hoursRun', 'cost', 'saving'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export const DEFAULT_URL_STATE: FleetUrlState = { sort: 'cost', dir: 'desc' };

const FILTER_KEYS = ['client', 'developer', 'state', 'project', 'costCenter'] as const;

/** `#client=acme&state=running&sort=cost&dir=desc` ⇄ state; unknown or malformed parts are dropped. */
export function parseHash(hash: string): FleetUrlState {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const out: FleetUrlState = { ...DEFAULT_URL_STATE };
  const text = (k: string) => {
    const v = p.get(k);
    return v && /^[A-Za-z0-9_-]{1,40}$/.test(v) ? v : undefined;
  };
  // A cost center is any EC2 tag value (src/contract/tags.ts isValidTagValue), so it is checked as one.
  const costCenter = p.get('costCenter');
  if (costCenter && costCenter.length <= 256 && /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u.test(costCenter)) out.costCenter = costCenter;
  const client = text('client');
  const developer = text('developer');
  const project = text('project');
  const state = p.get('state');
  if (client) out.client = client;
  if (developer) out.developer = developer;
  if (project) out.project = project;
  if (state && (STATE_FILTERS as readonly string[]).includes(state)) out.state = state as StateFilter;
  const sort = p.get('sort');
  if (sort && (SORT_KEYS as readonly string[]).includes(sort)) out.sort = sort as SortKey;
  if (p.get('dir') === 'asc' || p.get('dir') === 'desc') out.dir = p.get('dir') as 'asc' | 'desc';
  return out;
}

export function toHash(s: FleetUrlState): string {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = s[k];
    if (v) p.set(k, v);
  }
  p.set('sort', s.sort);
  p.set('dir', s.dir);
  return `#${p.toString()}`;
}

export const projectOf = (issueKey: string): string => issueKey.slice(0, issueKey.lastIndexOf('-'));

export function applyFilters(rows: readonly FleetRow[], s: FleetUrlState): FleetRow[] {
  return rows.filter(
    (r) =>
      (!s.client || r.client === s.client) &&
      (!s.developer || r.developer === s.developer) &&
      (!s.state || r.state === s.state || (r.lifecycle as readonly string[]).includes(s.state)) &&
      (!s.project || projectOf(r.issueKey) === s.project) &&
      (!s.costCenter || r.costCenter === s.costCenter),
  );
}

const issueNumber = (k: string): number => Number(k.slice(k.lastIndexOf('-') + 1));

function sortValue(r: FleetRow, key: SortKey): string | number {
  switch (key) {
    case 'issue':
      return `${projectOf(r.issueKey)}-${String(issueNumber(r.issueKey)).padStart(10, '0')}`;
    case 'developer':
      return r.developer;
    case 'client':
      return r.client;
    case 'costCenter':
      return r.costCenter ?? '';
    case 'type':
      return typeText(r);
    case 'state':
      return stateText(r);
    case 'hours':
      return `${r.timezone} ${r.hours}`;
    case 'lastStart':
      return r.lastStartedAt ?? '';
    case 'lastActivity':
      return r.lastActivityAt ?? '';
    case 'hoursRun':
      return r.hoursRun ?? -1;
    case 'cost':
      return r.costUsd ?? -1;
    case 'saving':
      return r.savingUsd ?? -1;
  }
}

/** Stable sort; ties keep issue order so the table never reshuffles between loads. */
export function sortRows(rows: readonly FleetRow[], key: SortKey, dir: 'asc' | 'desc'): FleetRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  return rows
    .map((r) => ({ r, v: sortValue(r, key), i: sortValue(r, 'issue') as string }))
    .sort((a, b) => (a.v < b.v ? -sign : a.v > b.v ? sign : a.i < b.i ? -1 : a.i > b.i ? 1 : 0))
    .map((x) => x.r);
}

export interface Totals {
  key: string;
  vms: number;
  running: number;
  hoursRun: number;
  costUsd: number;
  alwaysOnUsd: number;
  savingUsd: number;
}

/** Totals per client or per developer (largest cost first); unpriced VMs count as VMs only. */
export function totalsBy(rows: readonly FleetRow[], by: 'client' | 'developer'): Totals[] {
  const m = new Map<string, Totals>();
  for (const r of rows) {
    const key = r[by];
    const t = m.get(key) ?? { key, vms: 0, running: 0, hoursRun: 0, costUsd: 0, alwaysOnUsd: 0, savingUsd: 0 };
    t.vms++;
    if (r.state === 'running') t.running++;
    t.hoursRun += r.hoursRun ?? 0;
    t.costUsd += r.costUsd ?? 0;
    t.alwaysOnUsd += r.alwaysOnUsd ?? 0;
    t.savingUsd += r.savingUsd ?? 0;
    m.set(key, t);
  }
  return [...m.values()].sort((a, b) => b.costUsd - a.costUsd || (a.key < b.key ? -1 : 1));
}

const minute = (iso: string | undefined): string => (iso ? iso.slice(0, 16).replace('T', ' ') : '');
const money = (n: number | undefined): string => (n === undefined ? '' : n.toFixed(2));
const hrs = (n: number | undefined): string => (n === undefined ? '' : n.toFixed(1));

/** EC2 state, then the lifecycle states: `stopped · parked · warned`. */
export const stateText = (r: Pick<FleetRow, 'state' | 'lifecycle'>): string => [r.state, ...r.lifecycle].join(' · ');

/** The OS under the name the issue panel shows (OS_LABELS, the one mapping), then the instance type. */
export const typeText = (r: Pick<FleetRow, 'os' | 'instanceType'>): string => `${OS_LABELS[r.os]} · ${r.instanceType}`;

/** The table's columns: header, sort key and the cell text (what the CSV carries). */
export const COLUMNS: readonly { key: SortKey; label: string; text: (r: FleetRow) => string; numeric?: boolean }[] = [
  { key: 'issue', label: 'Issue', text: (r) => r.issueKey },
  { key: 'developer', label: 'Developer', text: (r) => r.developer },
  { key: 'client', label: 'Client', text: (r) => r.client },
  { key: 'costCenter', label: 'Cost center', text: (r) => r.costCenter ?? '' },
  { key: 'type', label: 'OS / type', text: typeText },
  { key: 'state', label: 'State', text: stateText },
  { key: 'hours', label: 'Working hours (VM zone)', text: (r) => (r.hours.startsWith('off') ? r.hours : `${r.hours} ${r.timezone}`) },
  { key: 'lastStart', label: 'Last started (UTC)', text: (r) => minute(r.lastStartedAt) },
  { key: 'lastActivity', label: 'Last activity (UTC)', text: (r) => minute(r.lastActivityAt) },
  { key: 'hoursRun', label: 'Hours this month', text: (r) => hrs(r.hoursRun), numeric: true },
  { key: 'cost', label: 'Cost this month (USD)', text: (r) => money(r.costUsd), numeric: true },
  { key: 'saving', label: 'Saving vs 24/7 (USD)', text: (r) => money(r.savingUsd), numeric: true },
];

/** RFC 4180 CSV; a cell starting with = + - @ is prefixed with ' so a spreadsheet never runs it as a formula. */
export function toCsv(rows: readonly FleetRow[]): string {
  const cell = (v: string) => {
    const safe = /^[=+\-@]/.test(v) ? `'${v}` : v;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const lines = [COLUMNS.map((c) => cell(c.label)).join(',')];
  for (const r of rows) lines.push(COLUMNS.map((c) => cell(c.text(r))).join(','));
  return lines.join('\r\n') + '\r\n';
}

export interface DailySeries {
  /** Day of the month, `1` … the last day with figures. */
  days: number[];
  /** Hours per day of each client (largest month total first); the smallest beyond `top` as one "other clients". */
  series: { client: string; hours: number[] }[];
  /** Hours this month that have no day (accounted before per-day records began). */
  unsplitHours: number;
}

/**
 * Running hours per UTC day of the month, stacked by client: the sum over the rows shown of each
 * VM's hours that day. Rounded to 0.01 h per cell so the chart and its table show the same figures.
 */
export function dailyByClient(rows: readonly FleetRow[], top = 8): DailySeries {
  const length = Math.max(0, ...rows.map((r) => r.dailyHours?.length ?? 0));
  const byClient = new Map<string, number[]>();
  let unsplit = 0;
  for (const r of rows) {
    const hours = r.dailyHours ?? [];
    unsplit += r.undatedHours ?? 0;
    let acc = byClient.get(r.client);
    if (!acc) byClient.set(r.client, (acc = new Array<number>(length).fill(0)));
    hours.forEach((h, i) => (acc[i] = (acc[i] ?? 0) + h));
  }
  const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const ranked = [...byClient].sort((a, b) => total(b[1]) - total(a[1]) || (a[0] < b[0] ? -1 : 1));
  const kept = ranked.slice(0, ranked.length > top ? top - 1 : top);
  const rest = ranked.slice(kept.length);
  const series = kept.map(([client, hours]) => ({ client, hours }));
  if (rest.length) series.push({ client: `${rest.length} other clients`, hours: Array.from({ length }, (_, i) => rest.reduce((a, [, h]) => a + (h[i] ?? 0), 0)) });
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    days: Array.from({ length }, (_, i) => i + 1),
    series: series.map((s) => ({ client: s.client, hours: s.hours.map(round) })),
    unsplitHours: round(unsplit),
  };
}
