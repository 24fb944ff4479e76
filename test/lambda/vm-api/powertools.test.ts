import './on-demand-env'; // first: before anything loads Powertools
import type { Context } from 'aws-lambda';
import * as powertools from '../../../infra-cdk/lambda/shared/powertools';
import { createHandler, type VmApiHandler } from '../../../infra-cdk/lambda/vm-api/router';
import { VmApiAws } from './stand-in';
import { captureOutput, event, FakeDatabases, VM_TAGS } from './support';

/**
 * Issue 10 item 9: the deployed handler logs with the invocation's request id and cold-start
 * flag (Powertools injectLambdaContext) and emits one EMF metric per outcome, read back here from
 * stdout exactly as CloudWatch would receive it.
 */

const provisionBody = {
  issueKey: 'OPS-42',
  client: 'acme',
  developer: 'jdoe',
  instanceType: 't3.large',
  os: 'al2023',
  schedule: { start: '08:00', stop: '18:00', timezone: 'Europe/London', days: 'MON-FRI' },
  idempotencyKey: 'issue-10001:changelog-9',
};

let requests = 0;
function context(): Context {
  requests += 1;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'dev-vm-api',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:dev-vm-api',
    memoryLimitInMB: '512',
    awsRequestId: `req-${requests}`,
    logGroupName: '/aws/lambda/dev-vm-api',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [metric: string]: unknown;
}
const lines = (output: string): Record<string, unknown>[] =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const emf = (output: string): Emf[] => lines(output).filter((l): l is Emf => '_aws' in l);
const metricNames = (docs: Emf[]): string[] => docs.flatMap((d) => d._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name)));

let aws: VmApiAws;
let handler: (event: Parameters<VmApiHandler>[0], context?: Context) => ReturnType<VmApiHandler>;

afterAll(() => {
  delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
});

beforeEach(async () => {
  aws = await VmApiAws.start();
  powertools.logger.setLogLevel('INFO');
  handler = powertools.instrument(createHandler(aws.deps(new FakeDatabases(), { logger: powertools.logger })));
});
afterEach(() => aws.close());

describe('VM API handler instrumented with Powertools', () => {
  it('logs the request id and cold start, and emits one EMF metric per outcome: provisioned, started, stopped, failed', async () => {
    const { output } = await captureOutput(async () => {
      const provisioned = await handler(event('POST', '/vms', { body: provisionBody }), context());
      expect(provisioned.statusCode).toBe(202);
      const a = aws.seedInstance(VM_TAGS, { state: 'stopped' });
      const own = { query: { issueKey: VM_TAGS.JiraIssue } };
      expect((await handler(event('POST', `/vms/${a}/start`, own), context())).statusCode).toBe(202);
      aws.settle(); // running: EC2 stops only a running VM
      expect((await handler(event('POST', `/vms/${a}/stop`, own), context())).statusCode).toBe(202);
      aws.settle();
      aws.injectFault({ kind: 'instance-error', operation: 'StartInstances', instanceId: a, code: 'InternalError', status: 500, message: 'boom' });
      expect((await handler(event('POST', `/vms/${a}/start`, own), context())).statusCode).toBeGreaterThanOrEqual(500);
      // A read records no outcome, and a refused request (404) is not a failure of the service.
      expect((await handler(event('GET', `/vms/${a}`, own), context())).statusCode).toBe(200);
      expect((await handler(event('GET', '/nowhere'), context())).statusCode).toBe(404);
    });

    const requestLines = lines(output).filter((l) => l.message === 'request');
    expect(requestLines.map((l) => l.function_request_id)).toEqual(['req-1', 'req-2', 'req-3', 'req-4', 'req-5', 'req-6']);
    expect(requestLines.map((l) => l.cold_start)).toEqual([true, false, false, false, false, false]);
    expect(requestLines[0]).toMatchObject({ function_name: 'dev-vm-api', op: 'provision', status: 202 });

    const docs = emf(output);
    for (const d of docs) expect(d._aws.CloudWatchMetrics[0]?.Namespace).toBe('DevVm');
    // One document per invocation that recorded something; the cold start is its own document.
    expect(metricNames(docs).sort()).toEqual(['ColdStart', 'Failed', 'Provisioned', 'Started', 'Stopped']);
    const outcome = (name: string) => docs.find((d) => d._aws.CloudWatchMetrics[0]?.Metrics.some((m) => m.Name === name));
    for (const name of ['Provisioned', 'Started', 'Stopped', 'Failed']) {
      expect(outcome(name)).toMatchObject({ [name]: 1 });
      expect(outcome(name)?._aws.CloudWatchMetrics[0]?.Metrics).toEqual([{ Name: name, Unit: 'Count' }]);
    }
  });

  it('flushes the metrics of an invocation that throws', async () => {
    const throwing = powertools.instrument(async (): Promise<never> => {
      powertools.recordOutcome('failed');
      throw new Error('unexpected');
    });
    const { output } = await captureOutput(async () => {
      await expect(throwing(undefined, context())).rejects.toThrow('unexpected');
    });
    expect(metricNames(emf(output))).toContain('Failed');
  });
});
