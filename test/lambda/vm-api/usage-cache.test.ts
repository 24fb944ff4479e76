import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { cachedUsageReader, SchedulerStateStore } from '../../../infra-cdk/lambda/shared/scheduler-state';
import type { SchedulerState } from '../../../src/domain/scheduler-state';
import { startAwsStandIn, type AwsStandIn } from '../../../local/aws';

/**
 * The VM API's usage reader keeps the parsed state object and asks S3 with If-None-Match: the
 * pages of one fleet sweep parse the object once (S3 answers 304 Not Modified, no body), a new
 * object written by the reconciler is read at once. Real SDK against the wire-protocol stand-in.
 */

let aws: AwsStandIn;
let s3: S3Client;
const ID = 'i-0123456789abcdef0';
const NOW = new Date('2026-11-25T13:02:00Z');

const state = (seconds: number): SchedulerState => ({
  version: 2,
  instances: { [ID]: { firstSeenAt: '2026-11-01T00:00:00.000Z', lastObservedAt: '2026-11-25T13:00:00.000Z', lastState: 'running', usage: { month: '2026-11', seconds, days: { '25': seconds } } } },
});
const put = (s: SchedulerState) => s3.send(new PutObjectCommand({ Bucket: 'dev-vm-state', Key: 'scheduler/state.json', Body: JSON.stringify(s) }));

beforeAll(async () => {
  aws = await startAwsStandIn({ transitionSeconds: 0 });
  s3 = new S3Client(aws.clientConfig());
});
afterAll(async () => {
  s3.destroy();
  await aws.close();
});

it('parses the state object once while its ETag holds, and reads a new one at once', async () => {
  const store = new SchedulerStateStore(s3, 'dev-vm-state', 'scheduler/state.json');
  const answers: string[] = [];
  const read = store.readUnlessUnchanged.bind(store);
  const reader = cachedUsageReader({
    readUnlessUnchanged: async (etag) => {
      const r = await read(etag);
      answers.push(r === 'unchanged' ? 'unchanged' : `read ${r.etag ?? 'none'}`);
      return r;
    },
  });
  expect(await reader([ID], NOW)).toEqual(new Map()); // no object yet: no usage, nothing kept
  await put(state(3600));
  for (let page = 0; page < 3; page++) expect((await reader([ID], NOW, { daily: true })).get(ID)).toMatchObject({ hoursRun: 1, dailyHours: expect.arrayContaining([1]) });
  await put(state(7200));
  expect((await reader([ID], NOW)).get(ID)?.hoursRun).toBe(2);
  expect(answers.map((a) => a.replace(/"[^"]*"/, 'E'))).toEqual(['read none', 'read E', 'unchanged', 'unchanged', 'read E']);
});
