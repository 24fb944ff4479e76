import { ApiError } from '../../src/contract/errors';
import { adfToText, type AdfDoc } from '../../src/domain/adf';
import { handleIssueUpdated } from '../../src/handlers/issue-updated';
import type { ForgeStandIn } from '../../local/forge-runtime';
import { startVmApiStandIn, type VmApiStandIn } from '../../local/vm-api-server';
import { STATUS, configure, goodIssue, site, statusChangedEvent } from '../../local/site-fixtures';

/**
 * Issue 11 item 12: what the VM API says when it fails is for administrators, not for everyone
 * who can read the issue. Comments carry a stable code, a one-line cause the reader can act on,
 * and a reference; the details go to the app log under that reference.
 */

let api: VmApiStandIn;
let forge: ForgeStandIn;
let logged: string[];
beforeAll(async () => {
  api = await startVmApiStandIn();
});
afterAll(() => api.close());
beforeEach(() => {
  api.reset();
  forge = site([goodIssue({ statusId: STATUS.ready })]);
  configure(forge, api);
  logged = [];
  delete process.env.DEV_VM_SILENT_LOGS;
  jest.spyOn(console, 'error').mockImplementation((line: string) => void logged.push(String(line)));
  jest.spyOn(console, 'log').mockImplementation((line: string) => void logged.push(String(line)));
});
afterEach(() => {
  jest.restoreAllMocks();
  process.env.DEV_VM_SILENT_LOGS = '1';
  expect(forge.violations()).toEqual([]);
  forge.uninstall();
});

async function toReady(): Promise<string> {
  await forge.asInvocation(undefined, () => handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.inProgress, STATUS.ready), new Date()));
  return forge.jira.commentsOn('OPS-42').map((c) => adfToText(c.body as AdfDoc)).join('\n');
}

const INTERNALS = /PostgreSQL|dev_jdoe|client_acme|dbmaster|too many connections|idempotency|EC2|secret/i;

it.each([
  ['a database failure (retried)', new ApiError('UPSTREAM_FAILED', 'PostgreSQL provisioning of client_acme_corp for dev_jdoe: too many connections for role "dbmaster"'), 'AWS_FAILED'],
  ['a reused key (refused)', new ApiError('CONFLICT', 'This idempotency key was already used for another VM request; retry with the same idempotency key.', 'idempotencyKey'), 'REQUEST_CONFLICT'],
  ['no capacity (retried)', new ApiError('INSUFFICIENT_CAPACITY', 'InsufficientInstanceCapacity: We currently do not have sufficient t3.large capacity in eu-west-1a (EC2)'), 'NO_CAPACITY'],
] as const)('comments on %s with a code, an actionable cause and a reference, never the internals', async (_what, error, code) => {
  api.nextError = error;
  const text = await toReady();
  expect(text).not.toMatch(INTERNALS);
  expect(text).toContain(code);
  const ref = /Reference ([a-z0-9]{8})/.exec(text)?.[1];
  expect(ref).toBeDefined();
  // The details are in the log, under the same reference.
  const line = logged.find((l) => l.includes(ref as string));
  expect(line).toBeDefined();
  expect(line).toContain(error.message.slice(0, 30));
});
