import { Identity } from '../../src/contract/settings';
import { adfToText, type AdfDoc } from '../../src/domain/adf';
import { handleIssueUpdated } from '../../src/handlers/issue-updated';
import { createHandler } from '../../infra-cdk/lambda/vm-api/router';
import type { ForgeStandIn } from '../../local/forge-runtime';
import { startVmApiStandIn, type VmApiStandIn } from '../../local/vm-api-server';
import { FIELD, STATUS, configure, goodIssue, site, statusChangedEvent } from '../../local/site-fixtures';
import { event, FakeDatabases } from '../lambda/vm-api/support';
import { VmApiAws } from '../lambda/vm-api/stand-in';

/**
 * Issue 11 item 6: a developer name becomes a Linux user and home directory on the VM, so a
 * request naming a system account (root, ubuntu, ec2-user, ssm-user, …) would hand that account
 * to the requester. Refused by the trigger (with a comment) and by the VM API (400 naming the field).
 */

process.env.DEV_VM_SILENT_LOGS = '1';
const SYSTEM = ['root', 'ubuntu', 'ec2-user', 'ssm-user', 'admin', 'nobody'] as const;

describe('trigger', () => {
  let api: VmApiStandIn;
  let forge: ForgeStandIn;
  beforeAll(async () => {
    api = await startVmApiStandIn();
  });
  afterAll(() => api.close());
  afterEach(() => {
    expect(forge.violations()).toEqual([]);
    forge.uninstall();
  });

  it.each(SYSTEM)('refuses developer "%s" with a comment naming the field, and asks the API nothing', async (name) => {
    api.reset();
    forge = site([goodIssue({ statusId: STATUS.ready, fields: { ...goodIssue().fields, [FIELD.developer]: name } })]);
    configure(forge, api);
    await forge.asInvocation(undefined, () => handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.inProgress, STATUS.ready), new Date()));
    expect(api.calls).toEqual([]);
    const text = forge.jira.commentsOn('OPS-42').map((c) => adfToText(c.body as AdfDoc)).join('\n');
    expect(text).toContain('system account');
  });
});

describe('identity map', () => {
  it.each(SYSTEM)('cannot map a Jira user to "%s"', (name) => {
    const parsed = Identity.safeParse({ developers: [{ developer: name, accountId: '5b10a2844c20165700ede21b', clients: 'any' }] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['developers', 0, 'developer'], message: expect.stringContaining('system account') });
  });
});

describe('VM API', () => {
  let aws: VmApiAws;
  beforeAll(async () => {
    aws = await VmApiAws.start();
  });
  afterAll(() => aws.close());

  it.each(SYSTEM)('answers 400 naming developer for "%s"', async (name) => {
    const db = new FakeDatabases();
    const handler = createHandler(aws.deps(db));
    const body = { issueKey: 'OPS-42', client: 'acme', developer: name, instanceType: 't3.medium', os: 'al2023', schedule: { start: '09:00', stop: '17:00', timezone: 'UTC' }, idempotencyKey: 'issue-10042:changelog-1' };
    const res = await handler(event('POST', '/vms', { body }));
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body ?? '{}')).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'developer' } });
    expect(db.calls).toEqual([]);
    expect(aws.count('RunInstances')).toBe(0);
  });
});
