import { adfToText, type AdfDoc } from '../../src/domain/adf';
import type { RetryJob } from '../../src/adapters/retry-queue';
import { handleIssueUpdated } from '../../src/handlers/issue-updated';
import { createVmService, defaultServiceDeps } from '../../src/handlers/vm-service';
import type { ForgeStandIn } from '../../local/forge-runtime';
import { startVmApiStandIn, type VmApiStandIn } from '../../local/vm-api-server';
import { STATUS, configure, site, statusChangedEvent } from '../../local/site-fixtures';

/**
 * The shared operations are built from a `deps` object (issue 10 item 4), not from module-level
 * singletons: a handler given a service built from other deps uses exactly those.
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

describe('services built from deps', () => {
  it('send a retry to the queue they were given, under the reference their deps make', async () => {
    const queued: { job: RetryJob; delay: number }[] = [];
    const svc = createVmService({ ...defaultServiceDeps(), newRef: () => 'feedc0de', enqueueRetry: async (job, delay) => void queued.push({ job, delay }) });
    api.mode = 'down';
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.inProgress, STATUS.ready, '10400'), NOW, svc);
    expect(queued).toEqual([{ job: expect.objectContaining({ kind: 'provision', issueKey: 'OPS-42', attempt: 2 }), delay: 60 }]);
    // Nothing reached Forge's own queue: the given one was used.
    expect(forge.queue).toHaveLength(0);
    expect(forge.jira.commentsOn('OPS-42').map((c) => adfToText(c.body as AdfDoc))).toEqual([expect.stringContaining('Reference feedc0de.')]);
  });
});
