/**
 * Jira calls per panel action: each action of the issue panel runs through the real resolver
 * definitions against the in-process Jira stand-in, as the issue's assignee, and the calls it
 * makes are counted by operation. Counts are deterministic, so test/handlers/panel-jira-calls.test.ts
 * asserts them against the targets below; `npm run bench` prints them.
 * Run this part alone: `npx tsx scripts/bench/panel-actions.ts`.
 */
import { R, type ResolverName } from '../../src/contract/resolvers';
import { panelResolver } from '../../src/handlers/panel-resolvers';
import type { ResolverHandler } from '../../local/forge-runtime';
import { PEOPLE, STATUS, configure, goodIssue, site } from '../../local/site-fixtures';
import { startVmApiStandIn } from '../../local/vm-api-server';

export type PanelActionName = 'view' | 'provision' | 'stop' | 'start' | 'schedule save' | 'keep running' | 'park' | 'terminate';

export interface PanelActionCount {
  action: PanelActionName;
  jiraCalls: number;
  /** `METHOD path-template` of each call, in order. */
  operations: string[];
  target: number;
}

/**
 * The most Jira calls each action should need: one read of the issue (fields, property and status
 * together), one write of the app's record, one audit comment; Provision adds its connection
 * comment. Issue 10 set the schedule save's target (it was 5–6).
 */
export const PANEL_JIRA_CALL_TARGETS: Readonly<Record<PanelActionName, number>> = {
  view: 1,
  provision: 4,
  stop: 3,
  start: 3,
  'schedule save': 3,
  'keep running': 3,
  park: 3,
  terminate: 3,
};

const SEQUENCE: readonly [PanelActionName, ResolverName, unknown][] = [
  ['view', R.panelGet, {}],
  ['provision', R.panelProvision, {}],
  ['stop', R.panelStop, {}],
  ['start', R.panelStart, {}],
  ['schedule save', R.panelUpdateSchedule, { schedule: { start: '07:00', stop: '15:00', timezone: 'Europe/Berlin', days: 'MON-FRI' } }],
  ['keep running', R.panelKeepRunning, { until: new Date(Date.now() + 3 * 3600_000).toISOString() }],
  ['park', R.panelLifecycle, { parked: true }],
  ['terminate', R.panelTerminate, {}],
];

export async function benchPanelActions(): Promise<PanelActionCount[]> {
  process.env.DEV_VM_SILENT_LOGS = '1';
  const api = await startVmApiStandIn();
  const forge = site([goodIssue({ statusId: STATUS.ready })]);
  configure(forge, api);
  const out: PanelActionCount[] = [];
  try {
    // One view first, so the app-field lookup that is cached for an hour is not charged to an action.
    await forge.invokeResolver(panelResolver as unknown as ResolverHandler, R.panelGet, {}, { accountId: PEOPLE.assignee, issueKey: 'OPS-42' });
    for (const [action, name, payload] of SEQUENCE) {
      const before = forge.jira.calls.length;
      const res = (await forge.invokeResolver(panelResolver as unknown as ResolverHandler, name, payload, { accountId: PEOPLE.assignee, issueKey: 'OPS-42' })) as { ok: boolean; error?: { message: string } };
      if (!res.ok) throw new Error(`panel ${action} failed: ${res.error?.message ?? 'no reason'}`);
      const calls = forge.jira.calls.slice(before);
      out.push({ action, jiraCalls: calls.length, operations: calls.map((c) => `${c.method} ${c.path}`), target: PANEL_JIRA_CALL_TARGETS[action] });
    }
    const violations = forge.violations();
    if (violations.length > 0) throw new Error(`Jira stand-in contract violations: ${violations.join('; ')}`);
  } finally {
    forge.uninstall();
    await api.close();
  }
  return out;
}

if (require.main === module) {
  void benchPanelActions().then((rows) => {
    for (const r of rows) console.log(`${r.action.padEnd(14)} ${String(r.jiraCalls).padStart(2)} Jira calls (target ≤ ${r.target}): ${r.operations.join(', ')}`);
  });
}
