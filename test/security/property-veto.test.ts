import { R, Resolvers, resultOf, type ResolverName, type ResolverResult } from '../../src/contract/resolvers';
import { randomUUID } from 'node:crypto';
import { adfToText, type AdfDoc } from '../../src/domain/adf';
import { signEvent } from '../../src/domain/hmac';
import { readDevVmProperty } from '../../src/domain/vm-property';
import { handleIssueUpdated } from '../../src/handlers/issue-updated';
import { handleQueueEvent } from '../../src/handlers/queue-consumer';
import { handleLifecycleEvent } from '../../src/handlers/webtrigger';
import { panelResolver } from '../../src/handlers/panel-resolvers';
import type { ForgeStandIn, ResolverHandler } from '../../local/forge-runtime';
import { startVmApiStandIn, type VmApiStandIn } from '../../local/vm-api-server';
import { HMAC_SECRET, PEOPLE, STATUS, configure, goodIssue, site, statusChangedEvent } from '../../local/site-fixtures';

/**
 * Attack (review, Jira user with Edit issues): the `dev-vm` issue property is writable by anyone
 * who may edit the issue. Since unreadable records are refused (6f3d63b), writing a value that
 * does not parse (here: a "newer version") made the trigger do nothing on a stop or terminate
 * status, so a developer could keep a VM running after its issue was closed or retired. The app
 * knows the issue's VM from its own record (KVS vm-owner), which nobody can edit: a stop or
 * terminate must follow that record, whatever the property says.
 */
process.env.DEV_VM_SILENT_LOGS = '1';
const NOW = new Date('2026-11-26T09:00:00Z');

let api: VmApiStandIn;
let forge: ForgeStandIn;
beforeAll(async () => {
  api = await startVmApiStandIn();
});
afterAll(() => api.close());
beforeEach(() => {
  api.reset();
  forge = site([goodIssue({ statusId: STATUS.ready })]);
  configure(forge, api);
});
afterEach(() => {
  expect(forge.violations()).toEqual([]);
  forge.uninstall();
});

const texts = () => forge.jira.commentsOn('OPS-42').map((c) => adfToText(c.body as AdfDoc));

/** A VM provisioned by the app (its own record names it), then the property overwritten by an issue editor. */
async function vmWithPoisonedProperty(poison: unknown): Promise<string> {
  await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.inProgress, STATUS.ready, '10400'), NOW);
  const id = [...api.vms.keys()][0]!;
  expect(forge.kvs.values.has('vm-owner:OPS-42')).toBe(true);
  forge.jira.issue('OPS-42').properties.set('dev-vm', poison);
  forge.jira.comments.length = 0;
  return id;
}

describe('an unreadable dev-vm property written by an issue editor', () => {
  it.each([
    ['a newer version', { version: 99 }],
    ['a value that is not a record', 'keep me running'],
  ])('does not stop a terminate status from terminating the VM the app recorded (%s)', async (_n, poison) => {
    const id = await vmWithPoisonedProperty(poison);
    forge.jira.issue('OPS-42').statusId = STATUS.retired;
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.ready, STATUS.retired, '10401'), NOW);
    expect(api.calls.filter((c) => c.op === 'terminateVm').map((c) => c.path)).toEqual([`/vms/${id}/terminate`]);
    expect(api.vms.get(id)?.state).not.toBe('running');
    expect(texts()).toEqual([expect.stringContaining('because the issue moved to Retired')]);
    // The record is rewritten from the API's answer, so the panel and later events can read it again.
    expect(readDevVmProperty(forge.jira.property('OPS-42', 'dev-vm'))).toMatchObject({ kind: 'ok', prop: { vm: { id, state: 'shutting-down' } } });
  });

  it('does not stop a stop status (or the close setting) from stopping and parking the VM the app recorded', async () => {
    const id = await vmWithPoisonedProperty({ version: 99 });
    forge.jira.issue('OPS-42').statusId = STATUS.done;
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.ready, STATUS.done, '10402'), NOW);
    expect(api.calls.filter((c) => c.op === 'stopVm').map((c) => c.path)).toEqual([`/vms/${id}/stop`]);
    expect(api.calls.filter((c) => c.op === 'updateLifecycle').map((c) => c.body)).toEqual([{ parked: true }]);
  });

  it('still refuses to provision (the record may hold a request in flight) and says why once', async () => {
    await vmWithPoisonedProperty({ version: 99 });
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.inProgress, STATUS.ready, '10403'), NOW);
    expect(api.calls.filter((c) => c.op === 'provision')).toHaveLength(1);
    expect(texts()).toEqual([expect.stringMatching(/RECORD_UNREADABLE: .*newer version/s)]);
  });
});

/**
 * Attack (Jira user with Edit issues): a provision request queued for retry (the stack was down) is
 * cancelled when the issue enters a stop or terminate status. The cancellation lived only in the
 * property (its `pending` cleared), so an issue editor could write the old `pending` back and the
 * queued retry launched a VM for the closed issue.
 */
describe('a queued provision request cancelled by a status change', () => {
  it('stays cancelled when an issue editor writes the pending request back into the property', async () => {
    api.mode = 'down';
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.inProgress, STATUS.ready, '10400'), NOW);
    expect(forge.queue).toHaveLength(1);
    const withPending = forge.jira.property('OPS-42', 'dev-vm') as { pending?: unknown };
    expect(withPending.pending).toBeDefined();
    forge.jira.issue('OPS-42').statusId = STATUS.retired;
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.ready, STATUS.retired, '10401'), NOW);
    expect((forge.jira.property('OPS-42', 'dev-vm') as { pending?: unknown }).pending).toBeUndefined();
    // The editor restores the request the status change cancelled.
    forge.jira.issue('OPS-42').properties.set('dev-vm', withPending);
    api.mode = 'up';
    await forge.drainQueue((e) => handleQueueEvent(e, NOW));
    expect(api.calls.filter((c) => c.op === 'provision')).toHaveLength(0);
    expect(api.vms.size).toBe(0);
  });

  it('a queued retry nobody cancelled is still sent', async () => {
    api.mode = 'down';
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.inProgress, STATUS.ready, '10400'), NOW);
    api.mode = 'up';
    await forge.drainQueue((e) => handleQueueEvent(e, NOW));
    expect(api.calls.filter((c) => c.op === 'provision')).toHaveLength(1);
    expect(api.vms.size).toBe(1);
  });
});

/**
 * Attack (Jira user with Edit issues, not the VM's people): writing an unreadable dev-vm property
 * on a colleague's issue made the panel answer RECORD_UNREADABLE, so its assignee could neither
 * stop nor terminate the VM nor use Keep this VM (and the idle reaper then terminated it). The VM
 * the app recorded itself is shown and acted on; the record is put back from the API's answer.
 */
describe('the panel on an issue whose property an editor made unreadable', () => {
  async function panel<N extends ResolverName>(name: N, payload: unknown, accountId: string): Promise<ResolverResult<N>> {
    const raw = await forge.invokeResolver(panelResolver as unknown as ResolverHandler, name, payload, { accountId, issueKey: 'OPS-42' });
    const parsed = resultOf(Resolvers[name].result).safeParse(raw);
    if (!parsed.success) throw new Error(`resolver ${name} answered outside the contract: ${JSON.stringify(raw).slice(0, 400)}`);
    return parsed.data as ResolverResult<N>;
  }

  it('shows the VM the app recorded, puts it back on the issue, and lets the assignee stop it', async () => {
    const id = await vmWithPoisonedProperty({ version: 99 });
    expect(await panel(R.panelGet, {}, PEOPLE.assignee)).toMatchObject({ ok: true, data: { vm: { id }, canAct: true } });
    expect(readDevVmProperty(forge.jira.property('OPS-42', 'dev-vm'))).toMatchObject({ kind: 'ok', prop: { vm: { id } } });
    expect(await panel(R.panelStop, {}, PEOPLE.assignee)).toMatchObject({ ok: true, data: { vm: { id, state: 'stopping' } } });
    expect(api.calls.filter((c) => c.op === 'stopVm').map((c) => c.path)).toEqual([`/vms/${id}/stop`]);
  });

  it('still refuses Provision while the recorded VM lives', async () => {
    await vmWithPoisonedProperty('garbage');
    expect(await panel(R.panelProvision, {}, PEOPLE.assignee)).toMatchObject({ ok: false });
    expect(api.calls.filter((c) => c.op === 'provision')).toHaveLength(1);
  });
});

/**
 * Attack (Jira user with Edit issues, on a colleague's issue): the idle warning (the VM will be
 * terminated unless used or kept) was decided against the property alone. Writing another live VM
 * id into it, or a last observation dated in the future, made the web trigger drop the warning as
 * "a previous instance" or "older", so the VM was terminated without its people being told.
 */
describe('the idle warning when an editor has rewritten the property', () => {
  async function idleWarning(id: string): Promise<number> {
    const body = JSON.stringify({
      id: randomUUID(), type: 'vm.idle-warning', time: NOW.toISOString(), instanceId: id, issueKey: 'OPS-42', client: 'acme-corp', developer: 'jdoe',
      cause: 'idle-reaper', terminateAt: '2026-12-03T09:00:00Z', observedAt: NOW.toISOString(), sequence: 0,
    });
    const { timestamp, signature } = signEvent(HMAC_SECRET, body, NOW);
    return (await handleLifecycleEvent({ method: 'POST', headers: { 'X-DevVm-Timestamp': [timestamp], 'X-DevVm-Signature': [signature] }, body }, NOW)).statusCode;
  }
  const stored = () => forge.jira.property('OPS-42', 'dev-vm') as { vm: { id: string } & Record<string, unknown> } & Record<string, unknown>;

  it('is posted although the property names another live VM', async () => {
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.inProgress, STATUS.ready, '10400'), NOW);
    const id = [...api.vms.keys()][0]!;
    const real = stored();
    forge.jira.issue('OPS-42').properties.set('dev-vm', { ...real, vm: { ...real.vm, id: 'i-0fffffffffffffff0' } });
    forge.jira.comments.length = 0;
    expect(await idleWarning(id)).toBe(200);
    expect(texts()).toEqual([expect.stringMatching(/will be terminated on 2026-12-03/)]);
  });

  it('is posted although the property was made unreadable, and the record is put back', async () => {
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.inProgress, STATUS.ready, '10400'), NOW);
    const id = [...api.vms.keys()][0]!;
    forge.jira.issue('OPS-42').properties.set('dev-vm', { version: 99 });
    forge.jira.comments.length = 0;
    expect(await idleWarning(id)).toBe(200);
    expect(texts()).toEqual([expect.stringMatching(/will be terminated on 2026-12-03/)]);
    expect(readDevVmProperty(forge.jira.property('OPS-42', 'dev-vm')).kind).toBe('ok');
  });

  it('is posted although the property carries a last observation dated in the future', async () => {
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.inProgress, STATUS.ready, '10400'), NOW);
    const id = [...api.vms.keys()][0]!;
    forge.jira.issue('OPS-42').properties.set('dev-vm', { ...stored(), lastObservation: { instanceId: id, observedAt: '2099-01-01T00:00:00.000Z', sequence: 0 } });
    forge.jira.comments.length = 0;
    expect(await idleWarning(id)).toBe(200);
    expect(texts()).toEqual([expect.stringMatching(/will be terminated on 2026-12-03/)]);
  });
});

/**
 * Attack (Jira user with Edit issues): the workflow write-back on a VM's first `running` moves the
 * issue to the "provisioned" status and fills the write-back fields AS THE APP. Whether a running
 * was the first was read from the property (provisionedWriteBackDone), so an editor who removed it
 * had the app move the issue back to Provisioned on the next daily start: a transition the editor
 * may not be allowed to make, done with the app's rights.
 */
describe('the first-run write-back when an editor has rewritten the property', () => {
  async function running(id: string, observedAt: string): Promise<number> {
    const body = JSON.stringify({ id: randomUUID(), type: 'vm.running', time: observedAt, instanceId: id, issueKey: 'OPS-42', client: 'acme-corp', developer: 'jdoe', cause: 'schedule', state: 'running', observedAt, sequence: 0 });
    const { timestamp, signature } = signEvent(HMAC_SECRET, body, NOW);
    return (await handleLifecycleEvent({ method: 'POST', headers: { 'X-DevVm-Timestamp': [timestamp], 'X-DevVm-Signature': [signature] }, body }, NOW)).statusCode;
  }
  const transitions = () => forge.jira.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/transitions'));

  it('runs once per VM, whatever the property says afterwards', async () => {
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.inProgress, STATUS.ready, '10400'), NOW);
    const id = [...api.vms.keys()][0]!;
    expect(await running(id, '2026-11-26T08:58:00.000Z')).toBe(200);
    expect(forge.jira.issue('OPS-42').statusId).toBe(STATUS.provisioned);
    expect(transitions()).toHaveLength(1);
    // The issue moves on; an editor strips the marker.
    forge.jira.issue('OPS-42').statusId = STATUS.inUse;
    const { provisionedWriteBackDone: _done, ...stripped } = forge.jira.property('OPS-42', 'dev-vm') as Record<string, unknown>;
    forge.jira.issue('OPS-42').properties.set('dev-vm', stripped);
    expect(await running(id, '2026-11-26T08:59:00.000Z')).toBe(200);
    expect(transitions()).toHaveLength(1);
    expect(forge.jira.issue('OPS-42').statusId).toBe(STATUS.inUse);
  });

  it('runs no second time when the property is made unreadable', async () => {
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.inProgress, STATUS.ready, '10400'), NOW);
    const id = [...api.vms.keys()][0]!;
    expect(await running(id, '2026-11-26T08:58:00.000Z')).toBe(200);
    forge.jira.issue('OPS-42').statusId = STATUS.inUse;
    forge.jira.issue('OPS-42').properties.set('dev-vm', { version: 99 });
    expect(await running(id, '2026-11-26T08:59:00.000Z')).toBe(200);
    expect(transitions()).toHaveLength(1);
  });

  it('a VM recorded before the app kept the write-back itself: taken over from the property at its next event', async () => {
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.inProgress, STATUS.ready, '10400'), NOW);
    const id = [...api.vms.keys()][0]!;
    expect(await running(id, '2026-11-26T08:58:00.000Z')).toBe(200);
    const owner = forge.kvs.values.get('vm-owner:OPS-42')!;
    const { writeBackDone, ...older } = owner.value as Record<string, unknown>;
    expect(writeBackDone).toBe(true);
    forge.kvs.values.set('vm-owner:OPS-42', { ...owner, value: older });
    expect(await running(id, '2026-11-26T08:59:00.000Z')).toBe(200);
    expect((forge.kvs.values.get('vm-owner:OPS-42')!.value as Record<string, unknown>).writeBackDone).toBe(true);
    forge.jira.issue('OPS-42').statusId = STATUS.inUse;
    const { provisionedWriteBackDone: _done, ...stripped } = forge.jira.property('OPS-42', 'dev-vm') as Record<string, unknown>;
    forge.jira.issue('OPS-42').properties.set('dev-vm', stripped);
    expect(await running(id, '2026-11-26T09:00:00.000Z')).toBe(200);
    expect(transitions()).toHaveLength(1);
  });
});
