import { ApiErrorBody } from '../../../../src/contract/errors';
import { createHandler } from '../../../../infra-cdk/lambda/vm-api/router';
import { event, FakeAws, FakeDatabases, makeDeps, VM_TAGS } from '../fake-aws';

/**
 * The VM API's router over the stateful SDK fakes (../fake-aws.ts), fresh before each test of the
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

export interface VmApiUnderTest {
  aws: FakeAws;
  db: FakeDatabases;
  deps: ReturnType<typeof makeDeps>;
  handle: ReturnType<typeof createHandler>;
  /** Instance operations name the issue of the seeded VMs (VM_TAGS.JiraIssue) unless a test says otherwise. */
  call(method: string, path: string, opts?: Parameters<typeof event>[2]): Promise<{ status: number; headers: Record<string, unknown>; body: unknown }>;
}

export function useVmApi(): VmApiUnderTest {
  const api = {
    async call(method: string, path: string, opts: Parameters<typeof event>[2] = {}) {
      const instanceOp = /^\/vms\/i-/.test(path);
      const res = await api.handle(event(method, path, instanceOp && !opts.query ? { ...opts, query: { issueKey: VM_TAGS.JiraIssue } } : opts));
      return { status: res.statusCode, headers: res.headers ?? {}, body: JSON.parse(res.body ?? 'null') as unknown };
    },
  } as VmApiUnderTest;
  beforeEach(() => {
    api.aws = new FakeAws();
    api.aws.install();
    api.db = new FakeDatabases();
    api.deps = makeDeps(api.db);
    api.handle = createHandler(api.deps);
  });
  return api;
}

export function errorOf(body: unknown) {
  return ApiErrorBody.parse(body).error;
}
