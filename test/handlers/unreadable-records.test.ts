import { R, Resolvers, resultOf, type ResolverName, type ResolverResult } from '../../src/contract/resolvers';
import { randomUUID } from 'node:crypto';
import { adfToText, type AdfDoc } from '../../src/domain/adf';
import { signEvent } from '../../src/domain/hmac';
import { handleIssueUpdated } from '../../src/handlers/issue-updated';
import { handleQueueEvent } from '../../src/handlers/queue-consumer';
import { handleLifecycleEvent } from '../../src/handlers/webtrigger';
import { panelResolver } from '../../src/handlers/panel-resolvers';
import type { ForgeStandIn, ResolverHandler } from '../../local/forge-runtime';
import { startVmApiStandIn, type VmApiStandIn } from '../../local/vm-api-server';
import { HMAC_SECRET, PEOPLE, STATUS, configure, goodIssue, site, statusChangedEvent } from '../../local/site-fixtures';

/**
 * Issue 10 item 8: a stored record that does not parse is "unknown", never "absent". Before, the
 * trigger read an unreadable dev-vm property as "no VM" and launched a second one, and the panel
 * offered Provision.
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
  forge = site([goodIssue({ statusId: STATUS.inProgress })]);
  configure(forge, api);
});
afterEach(() => {
  expect(forge.violations()).toEqual([]);
  forge.uninstall();
});

const toReady = (changelogId: string) => statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.inProgress, STATUS.ready, changelogId);
const provisionCalls = () => api.calls.filter((c) => c.op === 'provision');
const texts = () => forge.jira.commentsOn('OPS-42').map((c) => adfToText(c.body as AdfDoc));

async function panel<N extends ResolverName>(name: N, payload: unknown, accountId: string): Promise<ResolverResult<N>> {
  const raw = await forge.invokeResolver(panelResolver as unknown as ResolverHandler, name, payload, { accountId, issueKey: 'OPS-42' });
  const parsed = resultOf(Resolvers[name].result).safeParse(raw);
  if (!parsed.success) throw new Error(`resolver ${name} answered outside the contract: ${JSON.stringify(raw).slice(0, 400)}`);
  return parsed.data as ResolverResult<N>;
}

/**
 * The issue has a VM (launched before the app kept its own record of it, so only the property
 * knows it), and then the property stops parsing: here a newer state name, as a later version of
 * the app could write.
 */
async function vmWithUnreadableRecord(): Promise<string> {
  await handleIssueUpdated(toReady('10400'), NOW);
  expect(provisionCalls()).toHaveLength(1);
  forge.kvs.values.delete('vm-owner:OPS-42');
  const stored = forge.jira.property('OPS-42', 'dev-vm') as { vm: { id: string; state: string } };
  forge.jira.issue('OPS-42').properties.set('dev-vm', { ...stored, vm: { ...stored.vm, state: 'hibernated' } });
  forge.jira.comments.length = 0;
  return stored.vm.id;
}

describe('an unreadable dev-vm property', () => {
  it('makes the trigger refuse to provision a second VM, and say why once', async () => {
    await vmWithUnreadableRecord();
    await handleIssueUpdated(toReady('10401'), NOW);
    await handleIssueUpdated(toReady('10402'), NOW);
    expect(provisionCalls()).toHaveLength(1);
    expect(api.vms.size).toBe(1);
    expect(texts()).toEqual([expect.stringMatching(/RECORD_UNREADABLE: .*cannot be read.*vm\.state/s)]);
  });

  it('makes the trigger refuse a record written by a newer version of the app', async () => {
    await handleIssueUpdated(toReady('10400'), NOW);
    forge.kvs.values.delete('vm-owner:OPS-42');
    forge.jira.issue('OPS-42').properties.set('dev-vm', { ...(forge.jira.property('OPS-42', 'dev-vm') as object), version: 2 });
    await handleIssueUpdated(toReady('10401'), NOW);
    expect(provisionCalls()).toHaveLength(1);
    expect(texts().at(-1)).toMatch(/RECORD_UNREADABLE: .*newer version/s);
  });

  it('makes the panel show an error with a code instead of Provision, and refuse Provision', async () => {
    await vmWithUnreadableRecord();
    expect(await panel(R.panelGet, {}, PEOPLE.assignee)).toMatchObject({ ok: false, error: { code: 'RECORD_UNREADABLE', message: expect.stringContaining('vm.state') } });
    expect(await panel(R.panelProvision, {}, PEOPLE.assignee)).toMatchObject({ ok: false, error: { code: 'RECORD_UNREADABLE' } });
    expect(provisionCalls()).toHaveLength(1);
  });

  it('is written with its version, and a record of the version before versions is still read', async () => {
    await handleIssueUpdated(toReady('10400'), NOW);
    const stored = forge.jira.property('OPS-42', 'dev-vm') as Record<string, unknown>;
    expect(stored.version).toBe(1);
    const { version: _dropped, ...older } = stored;
    forge.jira.issue('OPS-42').properties.set('dev-vm', older);
    const res = await panel(R.panelGet, {}, PEOPLE.assignee);
    expect(res).toMatchObject({ ok: true, data: { vm: { id: (stored.vm as { id: string }).id } } });
  });

  it('is left as it is by a lifecycle event, which is answered and says why once', async () => {
    const id = await vmWithUnreadableRecord();
    const before = JSON.stringify(forge.jira.property('OPS-42', 'dev-vm'));
    const body = JSON.stringify({ id: randomUUID(), type: 'vm.stopped', time: NOW.toISOString(), instanceId: id, issueKey: 'OPS-42', client: 'acme-corp', developer: 'jdoe', cause: 'schedule' });
    const { timestamp, signature } = signEvent(HMAC_SECRET, body, NOW);
    const res = await handleLifecycleEvent({ method: 'POST', headers: { 'X-DevVm-Timestamp': [timestamp], 'X-DevVm-Signature': [signature] }, body }, NOW);
    expect(res.statusCode).toBe(200);
    expect(JSON.stringify(forge.jira.property('OPS-42', 'dev-vm'))).toBe(before);
    expect(texts()).toEqual([expect.stringContaining('RECORD_UNREADABLE')]);
  });

  it('ends a queued provision request, which cannot be checked against the record, without sending it', async () => {
    api.mode = 'down';
    await handleIssueUpdated(toReady('10400'), NOW);
    expect(forge.queue).toHaveLength(1);
    const stored = forge.jira.property('OPS-42', 'dev-vm') as Record<string, unknown>;
    forge.jira.issue('OPS-42').properties.set('dev-vm', { ...stored, pending: { ...(stored.pending as object), attempts: 'one' } });
    api.mode = 'up';
    await forge.drainQueue((e) => handleQueueEvent(e, NOW));
    expect(provisionCalls()).toHaveLength(0);
    expect(texts().at(-1)).toMatch(/RECORD_UNREADABLE: .*pending\.attempts/s);
  });
});
