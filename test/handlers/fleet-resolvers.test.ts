import { randomBytes } from 'node:crypto';
import { R, Resolvers, resultOf, type FleetView, type ResolverName, type ResolverResult } from '../../src/contract/resolvers';
import { hourlyPrice } from '../../src/contract/prices';
import { auditComment, keptDetail } from '../../src/domain/comments';
import { adfToText } from '../../scripts/preview/adf-text';
import { ISSUE, PEOPLE, STATUS } from '../../scripts/preview/site';
import { startStack, type Stack, type Viewer } from '../../scripts/preview/wiring';

/**
 * The fleet resolvers through the preview's wiring: real resolvers in the Forge stand-in, the
 * signed VM API client, the function URL and the real VM API Lambda on the AWS stand-in, with a
 * seeded fleet of 60 VMs across three projects. Who may see what is decided from Forge's context
 * and Jira's permissions, never from the payload.
 */
jest.setTimeout(120_000);

let stack: Stack;
const FLEET = 60;

beforeAll(async () => {
  process.env.DEV_VM_SILENT_LOGS = '1';
  const sfx = randomBytes(4).toString('hex');
  stack = await startStack({ dbSuffix: `fleet_${sfx}`, databases: false, transitionSeconds: 0, lambdaLogLevel: 'SILENT', fleet: FLEET });
});
afterAll(async () => {
  await stack?.close();
});

async function call<N extends ResolverName>(name: N, payload: unknown, viewer: Viewer): Promise<ResolverResult<N>> {
  const raw = await stack.invoke(name, payload, viewer);
  const parsed = resultOf(Resolvers[name].result).safeParse(raw);
  if (!parsed.success) throw new Error(`resolver ${name} answered outside the contract: ${JSON.stringify(raw).slice(0, 400)}`);
  return parsed.data as ResolverResult<N>;
}

const admin: Viewer = { accountId: PEOPLE.admin.accountId };
const developer: Viewer = { accountId: PEOPLE.developer.accountId };
const opsLead = (projectKey?: string): Viewer => ({ accountId: PEOPLE.projectAdmin.accountId, ...(projectKey ? { projectKey } : {}) });

async function everyRow(viewer: Viewer, payload: Record<string, unknown> = {}): Promise<FleetView['rows']> {
  const rows: FleetView['rows'] = [];
  let token: string | undefined;
  do {
    const res = await call(R.fleetList, { ...payload, ...(token ? { pageToken: token } : {}) }, viewer);
    if (!res.ok) throw new Error(`${res.error.code}: ${res.error.message}`);
    rows.push(...res.data.rows);
    token = res.data.nextPageToken;
  } while (token);
  return rows;
}

describe('fleet.list', () => {
  it('shows a Jira administrator every VM with its figures and the price table used', async () => {
    const first = await call(R.fleetList, { pageSize: 25 }, admin);
    expect(first).toMatchObject({ ok: true, data: { scope: { kind: 'site' }, canAct: true } });
    if (!first.ok) return;
    expect(first.data.rows).toHaveLength(25);
    expect(first.data.nextPageToken).toBeDefined();
    expect(first.data.pricesAsOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const rows = await everyRow(admin);
    expect(rows.length).toBeGreaterThanOrEqual(FLEET);
    expect(new Set(rows.map((r) => r.issueKey.split('-')[0]))).toEqual(new Set(['OPS', 'WEB', 'DATA']));
    const priced = rows.filter((r) => r.costUsd !== undefined);
    expect(priced.length).toBeGreaterThan(FLEET / 2);
    for (const r of priced) expect((r.alwaysOnUsd ?? 0) - (r.costUsd ?? 0)).toBeCloseTo(r.savingUsd ?? NaN, 6);
  });

  it('passes the filters to the VM API', async () => {
    const rows = await everyRow(admin, { client: 'globex', state: 'running' });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.client === 'globex' && r.state === 'running')).toBe(true);
  });

  it('refuses the whole fleet to anyone but a Jira administrator, whatever the payload says', async () => {
    expect(await call(R.fleetList, {}, developer)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // A project administrator is not a Jira administrator: no project in the context, no fleet.
    expect(await call(R.fleetList, { project: 'OPS' }, opsLead())).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('shows a project administrator that project only, and refuses other projects', async () => {
    const res = await call(R.fleetList, {}, opsLead('OPS'));
    expect(res).toMatchObject({ ok: true, data: { scope: { kind: 'project', projectKey: 'OPS' }, canAct: false } });
    const rows = await everyRow(opsLead('OPS'));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.issueKey.startsWith('OPS-'))).toBe(true);
    // Asking for another project from the OPS page is refused, not quietly widened.
    expect(await call(R.fleetList, { project: 'WEB' }, opsLead('OPS'))).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', field: 'project' } });
    // Administering OPS does not open WEB's page (Jira is asked about the page's project).
    expect(await call(R.fleetList, {}, opsLead('WEB'))).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await call(R.fleetList, {}, { ...developer, projectKey: 'OPS' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});

describe('fleet.bulk', () => {
  it('is for Jira administrators only', async () => {
    const [row] = await everyRow(admin, { project: 'WEB', state: 'running' });
    if (!row) throw new Error('no running WEB VM seeded');
    for (const viewer of [developer, opsLead('OPS'), opsLead('WEB')]) {
      expect(await call(R.fleetBulk, { action: 'stop', vms: [{ id: row.id, issueKey: row.issueKey }] }, viewer)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    const after = (await everyRow(admin, { project: 'WEB' })).find((r) => r.id === row.id);
    expect(after?.state).toBe('running');
  });

  it('stops each VM and writes the panel’s audit comment on each VM’s own issue', async () => {
    const running = (await everyRow(admin, { project: 'DATA', state: 'running' })).slice(0, 3);
    expect(running).toHaveLength(3);
    const before = new Map(running.map((r) => [r.issueKey, stack.forge.jira.commentsOn(r.issueKey).length]));
    const res = await call(R.fleetBulk, { action: 'stop', vms: running.map((r) => ({ id: r.id, issueKey: r.issueKey })) }, admin);
    if (!res.ok) throw new Error(res.error.message);
    expect(res.data.results.map((r) => [r.id, r.ok, r.issueKey])).toEqual(running.map((r) => [r.id, true, r.issueKey]));
    for (const r of running) {
      const comments = stack.forge.jira.commentsOn(r.issueKey);
      expect(comments).toHaveLength((before.get(r.issueKey) ?? 0) + 1);
      const text = adfToText(comments.at(-1)?.body);
      const expected = adfToText(auditComment({ accountId: PEOPLE.admin.accountId }, 'stop', '2026-01-01T00:00:00.000Z', 'UTC', r.id));
      // Same wording as the panel's comment; only the time (in the VM's zone) differs.
      expect(text.replace(/ at .+ \([^)]+\)/, ' at T (zone)')).toBe(expected.replace(/ at .+ \([^)]+\)/, ' at T (zone)'));
    }
    const states = new Map((await everyRow(admin, { project: 'DATA' })).map((r) => [r.id, r.state]));
    for (const r of running) expect(['stopping', 'stopped']).toContain(states.get(r.id));
  });

  const lastCommentText = (issueKey: string) => adfToText(stack.forge.jira.commentsOn(issueKey).at(-1)?.body).replace(/ at .+ \([^)]+\)/, ' at T (zone)');
  const panelComment = (detail: string) => adfToText(auditComment({ accountId: PEOPLE.admin.accountId }, 'lifecycle', '2026-01-01T00:00:00.000Z', 'UTC', detail)).replace(/ at .+ \([^)]+\)/, ' at T (zone)');

  it('parks VMs (the panel’s Park) with the panel’s lifecycle comment on each issue, and the list then shows them parked', async () => {
    const picked = (await everyRow(admin, { project: 'WEB', state: 'stopped' })).filter((r) => !r.lifecycle.includes('parked')).slice(0, 2);
    expect(picked).toHaveLength(2);
    const res = await call(R.fleetBulk, { action: 'park', vms: picked.map((r) => ({ id: r.id, issueKey: r.issueKey })) }, admin);
    if (!res.ok) throw new Error(res.error.message);
    for (const r of res.data.results) expect(r).toMatchObject({ ok: true, parkedAt: expect.stringMatching(/^\d{4}-/) });
    for (const r of picked) expect(lastCommentText(r.issueKey)).toBe(panelComment('park'));
    const after = new Map((await everyRow(admin, { project: 'WEB' })).map((r) => [r.id, r]));
    for (const r of picked) expect(after.get(r.id)?.lifecycle).toContain('parked');
  });

  it('extends the idle deadline (the panel’s Keep this VM): the warning no longer stands, with the panel’s comment', async () => {
    const warned = (await everyRow(admin)).filter((r) => r.lifecycle.includes('warned')).slice(0, 2);
    expect(warned.length).toBeGreaterThan(0);
    expect(warned.every((r) => r.terminateAt !== undefined)).toBe(true);
    const res = await call(R.fleetBulk, { action: 'keep', vms: warned.map((r) => ({ id: r.id, issueKey: r.issueKey })) }, admin);
    if (!res.ok) throw new Error(res.error.message);
    for (const r of res.data.results) expect(r).toMatchObject({ ok: true, keptAt: expect.stringMatching(/^\d{4}-/) });
    // The panel's Keep this VM words: the idle clock was reset, with the earliest teardown (30 idle days) in the VM's zone.
    for (const r of res.data.results) {
      const vm = warned.find((w) => w.id === r.id);
      if (!vm || !r.keptAt) throw new Error(`no keptAt for ${r.id}`);
      const detail = keptDetail(r.keptAt, 30, vm.timezone);
      expect(detail).toMatch(/before .*2026|before .*2027/);
      expect(lastCommentText(vm.issueKey)).toBe(panelComment(detail));
    }
    const after = new Map((await everyRow(admin)).map((r) => [r.id, r]));
    for (const r of warned) {
      expect(after.get(r.id)?.lifecycle).not.toContain('warned');
      expect(after.get(r.id)?.terminateAt).toBeUndefined();
    }
  });

  it('parks nothing when a VM is paired with another issue: the VM API refuses it and no comment is written', async () => {
    const [victim, other] = (await everyRow(admin, { project: 'DATA', state: 'stopped' })).filter((r) => !r.lifecycle.includes('parked'));
    if (!victim || !other) throw new Error('two stopped DATA VMs expected');
    const before = stack.forge.jira.commentsOn(other.issueKey).length;
    const res = await call(R.fleetBulk, { action: 'park', vms: [{ id: victim.id, issueKey: other.issueKey }] }, admin);
    if (!res.ok) throw new Error(res.error.message);
    expect(res.data.results).toEqual([{ id: victim.id, ok: false, error: { code: 'NOT_FOUND', message: expect.any(String) } }]);
    expect(stack.forge.jira.commentsOn(other.issueKey)).toHaveLength(before);
    const after = (await everyRow(admin, { project: 'DATA' })).find((r) => r.id === victim.id);
    expect(after?.lifecycle).not.toContain('parked');
  });

  it('refuses more than 20 VMs at once, naming the field', async () => {
    const vms = Array.from({ length: 21 }, (_, i) => ({ id: `i-${String(i).padStart(17, '0')}`, issueKey: 'OPS-1' }));
    expect(await call(R.fleetBulk, { action: 'stop', vms }, admin)).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'vms' } });
  });
});

// Last: its scheduler runs go two hours ahead, and the seeded VMs nobody uses are idle-stopped by then.
describe('fleet and panel agree', () => {
  it('shows the same cost for a VM as its issue panel does', async () => {
    await stack.transition(ISSUE.key, STATUS.ready);
    await stack.runScheduler(new Date(Date.now() + 20 * 60_000));
    await stack.runScheduler(new Date(Date.now() + 80 * 60_000));
    const panel = await call(R.panelGet, {}, { ...developer, issueKey: ISSUE.key });
    if (!panel.ok) throw new Error(panel.error.message);
    expect(panel.data.cost).toBeDefined();
    const row = (await everyRow(admin, { project: 'OPS' })).find((r) => r.issueKey === ISSUE.key);
    expect(row).toBeDefined();
    expect({ hoursRun: row?.hoursRun, costUsd: row?.costUsd, alwaysOnUsd: row?.alwaysOnUsd, savingUsd: row?.savingUsd }).toEqual({
      hoursRun: panel.data.cost?.hoursRun,
      costUsd: panel.data.cost?.costUsd,
      alwaysOnUsd: panel.data.cost?.alwaysOnUsd,
      savingUsd: panel.data.cost?.savingUsd,
    });
    // Both priced for the VM's region (the preview's VM API runs in eu-west-1), not us-east-1.
    expect(row?.region).toBe('eu-west-1');
    expect(panel.data.cost?.pricesRegion).toBe('eu-west-1');
    const perHour = hourlyPrice(row?.instanceType ?? '', row?.os ?? '', 'eu-west-1');
    expect(perHour).toBeDefined();
    expect(perHour).not.toBe(hourlyPrice(row?.instanceType ?? '', row?.os ?? '', 'us-east-1'));
    expect(row?.costUsd).toBeCloseTo((row?.hoursRun ?? NaN) * (perHour ?? NaN), 10);
  });
});
