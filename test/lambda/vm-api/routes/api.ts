import { ApiErrorBody } from '../../../../src/contract/errors';
import { createHandler } from '../../../../infra-cdk/lambda/vm-api/router';
import { VmApiAws } from '../stand-in';
import { event, FakeDatabases, VM_TAGS } from '../support';

/**
 * The VM API's router over the local AWS model (../stand-in.ts), fresh before each test of the
 * file that calls `useVmApi`. Each test file of this folder covers one route or one concern of all
 * routes (request logging, usage).
 */

export const provisionBody = {
  issueKey: 'OPS-42',
  client: 'acme',
  developer: 'jdoe',
  instanceType: 't3.large',
  os: 'al2023',
  schedule: { start: '08:00', stop: '18:00', timezone: 'Europe/London', days: 'MON-FRI' },
  idempotencyKey: 'issue-10001:changelog-7',
};

type Call = (method: string, path: string, opts?: Parameters<typeof event>[2]) => Promise<{ status: number | undefined; headers: Record<string, unknown>; body: unknown }>;

export interface VmApiUnderTest {
  aws: VmApiAws;
  db: FakeDatabases;
  deps: ReturnType<VmApiAws['deps']>;
  handle: ReturnType<typeof createHandler>;
  /** Instance operations name the issue of the seeded VMs (VM_TAGS.JiraIssue) unless a test says otherwise. */
  call: Call;
}

export function caller(api: { handle: ReturnType<typeof createHandler> }): Call {
  return async (method, path, opts = {}) => {
    const instanceOp = /^\/vms\/i-/.test(path);
    const res = await api.handle(event(method, path, instanceOp && !opts.query ? { ...opts, query: { issueKey: VM_TAGS.JiraIssue } } : opts));
    return { status: res.statusCode, headers: res.headers ?? {}, body: JSON.parse(res.body ?? 'null') as unknown };
  };
}

export function useVmApi(): VmApiUnderTest {
  const api = {} as VmApiUnderTest;
  api.call = caller(api);
  beforeEach(async () => {
    api.aws = await VmApiAws.start();
    api.db = new FakeDatabases();
    api.deps = api.aws.deps(api.db);
    api.handle = createHandler(api.deps);
  });
  afterEach(() => api.aws.close());
  return api;
}

export function errorOf(body: unknown) {
  return ApiErrorBody.parse(body).error;
}
