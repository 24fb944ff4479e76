import { handleIssueUpdated } from '../../src/handlers/issue-updated';
import { handleQueueEvent } from '../../src/handlers/queue-consumer';
import { adfToText, type AdfDoc } from '../../src/domain/adf';
import type { ForgeStandIn } from '../../local/forge-runtime';
import { startVmApiStandIn, type VmApiStandIn } from '../../local/vm-api-server';
import { STATUS, configure, site, statusChangedEvent } from '../../local/site-fixtures';

/**
 * Issue 12 item 2: Forge retries a product trigger only when it RETURNS an InvocationError, and
 * redelivers a queue event whose consumer throws for a day. The handlers must ask for a retry
 * where one helps and finish where it cannot.
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
  forge = site();
  configure(forge, api);
});
afterEach(() => {
  expect(forge.violations()).toEqual([]);
  forge.uninstall();
});

const texts = () => forge.jira.commentsOn('OPS-42').map((c) => adfToText(c.body as AdfDoc));
const toReady = statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.inProgress, STATUS.ready);
const trigger = (e: Record<string, unknown>) => handleIssueUpdated(e, NOW);

describe('product trigger (avi:jira:updated:issue)', () => {
  it('a Jira outage on the first delivery is retried by the platform, and the VM is still requested', async () => {
    forge.jira.faults.push({ method: 'GET', template: '/rest/api/3/issue/{issueIdOrKey}', status: 503, times: 1 });
    const deliveries = await forge.deliverProductEvent(trigger, toReady);
    expect(deliveries).toEqual([
      { retryCount: 0, outcome: 'retry-requested', nextInSeconds: 30 },
      { retryCount: 1, outcome: 'done' },
    ]);
    expect(api.calls.filter((c) => c.op === 'provision')).toHaveLength(1);
    expect(texts()).toEqual([expect.stringContaining('Dev VM requested')]);
  });

  it('a storage outage is retried too', async () => {
    const original = forge.kvs.handle.bind(forge.kvs);
    let failures = 1;
    forge.kvs.handle = (path, init) => (failures-- > 0 ? new Response(JSON.stringify({ code: 'INTERNAL_SERVER_ERROR', message: 'down' }), { status: 500 }) : original(path, init));
    const deliveries = await forge.deliverProductEvent(trigger, toReady);
    expect(deliveries.map((d) => d.outcome)).toEqual(['retry-requested', 'done']);
    expect(api.calls.filter((c) => c.op === 'provision')).toHaveLength(1);
  });

  it('gives up after the platform’s 4 retries, with the event finished (not thrown)', async () => {
    forge.jira.faults.push({ method: 'GET', template: '/rest/api/3/issue/{issueIdOrKey}', status: 503, times: 10 });
    const deliveries = await forge.deliverProductEvent(trigger, toReady);
    expect(deliveries.map((d) => d.outcome)).toEqual(['retry-requested', 'retry-requested', 'retry-requested', 'retry-requested', 'done']);
    expect(deliveries.map((d) => d.nextInSeconds)).toEqual([30, 120, 300, 900, undefined]);
  });

  it('a deleted issue is not retried', async () => {
    forge.jira.issues.delete('OPS-42');
    const deliveries = await forge.deliverProductEvent(trigger, toReady);
    expect(deliveries).toEqual([{ retryCount: 0, outcome: 'done' }]);
  });
});

describe('queue consumer', () => {
  async function queuedProvision(): Promise<void> {
    api.mode = 'down';
    await handleIssueUpdated(toReady, NOW);
    api.mode = 'up';
    expect(forge.queue).toHaveLength(1);
  }

  it('a job for an issue deleted meanwhile is finished once, not redelivered for a day', async () => {
    await queuedProvision();
    forge.jira.issues.delete('OPS-42');
    const n = await forge.drainQueue((e) => handleQueueEvent(e, NOW));
    expect(n).toBe(1);
    expect([...forge.queueDeliveries.values()]).toEqual([[{ retryCount: 0, outcome: 'done' }]]);
    expect(api.vms.size).toBe(0);
  });

  it('a Jira outage asks for a retry with a delay and the job then completes', async () => {
    await queuedProvision();
    forge.jira.faults.push({ method: 'GET', template: '/rest/api/3/issue/{issueIdOrKey}', status: 503, times: 1 });
    await forge.drainQueue((e) => handleQueueEvent(e, NOW));
    expect([...forge.queueDeliveries.values()][0]).toEqual([
      { retryCount: 0, outcome: 'retry-requested', nextInSeconds: 30 },
      { retryCount: 1, outcome: 'done' },
    ]);
    expect(api.vms.size).toBe(1);
  });
});
