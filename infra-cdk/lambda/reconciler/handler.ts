import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { createEc2Client, RETRY_CONFIG, s3ClientConfig } from '../shared/clients';
import { loadEnv, ReconcilerEnv } from '../shared/env';
import { instrument, logger, metrics } from '../shared/powertools';
import { runReconciler, type ReconcilerDeps, type RunSummary } from './run';
import { reconcilerDeps } from './wiring';

/**
 * Entry point, invoked by EventBridge Scheduler every INTERVAL_MINUTES. Wiring only: the clock is
 * read here, once, and everything else is in run.ts and src/domain/reconcile.ts.
 *
 * The SDK clients (EC2, S3, EventBridge: ~400 ms of module loading together) are built on the
 * first run, not at module init: the init phase then only parses this bundle, and the SDK is
 * loaded once per container all the same.
 */
const env = loadEnv(ReconcilerEnv);

let deps: ReconcilerDeps | undefined;
function depsOnce(): ReconcilerDeps {
  if (!deps) {
    /* eslint-disable @typescript-eslint/no-require-imports -- deferred on purpose, see above; the SDK is external to the bundle */
    const { S3Client: S3 } = require('@aws-sdk/client-s3') as { S3Client: new (c: object) => S3Client };
    const { EventBridgeClient: EventBridge } = require('@aws-sdk/client-eventbridge') as { EventBridgeClient: new (c: object) => EventBridgeClient };
    /* eslint-enable @typescript-eslint/no-require-imports */
    deps = reconcilerDeps(env, { ec2: createEc2Client(), s3: new S3(s3ClientConfig()), eventBridge: new EventBridge({ ...RETRY_CONFIG }) }, logger, {
      count: (name, value) => metrics.addMetric(name, MetricUnit.Count, value),
      milliseconds: (name, value) => metrics.addMetric(name, MetricUnit.Milliseconds, value),
    });
  }
  return deps;
}

export const handler = instrument(async (): Promise<Omit<RunSummary, 'detail'>> => {
  const { detail: _detail, ...summary } = await runReconciler(depsOnce(), new Date());
  return summary;
});
