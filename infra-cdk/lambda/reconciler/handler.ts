import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { loadEnv, ReconcilerEnv } from '../shared/env';
import { instrument, logger, metrics } from '../shared/powertools';
import type { ReconcilerDeps, RunSummary } from './run';

/**
 * Entry point, invoked by EventBridge Scheduler every INTERVAL_MINUTES. Wiring only: the clock is
 * read here, once, and everything else is in run.ts and src/domain/reconcile.ts.
 *
 * The run and its SDK clients (EC2, S3, EventBridge: about 400 ms of module loading together)
 * are loaded on the first invocation, not at module init: esbuild turns these dynamic imports
 * into lazily initialised modules of the same bundle, so init only parses the bundle and checks
 * the environment, and the SDK is still loaded once per container.
 */
const env = loadEnv(ReconcilerEnv);

type Runner = (now: Date) => Promise<RunSummary>;
let runner: Promise<Runner> | undefined;

async function makeRunner(): Promise<Runner> {
  const [{ runReconciler }, { reconcilerDeps }, clients] = await Promise.all([import('./run'), import('./wiring'), import('../shared/clients')]);
  const [ec2, s3, eventBridge, ssm, cloudWatch] = await Promise.all([
    clients.createEc2Client(),
    clients.createS3Client(),
    clients.createEventBridgeClient(),
    clients.createSsmClient(),
    clients.createCloudWatchClient(),
  ]);
  const deps: ReconcilerDeps = reconcilerDeps(
    env,
    { ec2, s3, eventBridge, ssm, cloudWatch },
    logger,
    {
      count: (name, value) => metrics.addMetric(name, MetricUnit.Count, value),
      milliseconds: (name, value) => metrics.addMetric(name, MetricUnit.Milliseconds, value),
    },
  );
  return (now) => runReconciler(deps, now);
}

export const handler = instrument(async (_event: unknown): Promise<Omit<RunSummary, 'detail'>> => {
  runner ??= makeRunner().catch((e: unknown) => {
    runner = undefined; // a failed load is retried on the next invocation
    throw e;
  });
  const { detail: _detail, ...summary } = await (await runner)(new Date());
  return summary;
});
