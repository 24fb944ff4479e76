import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { RETRY_CONFIG, s3ClientConfig } from '../shared/clients';
import { loadEnv, ReconcilerEnv } from '../shared/env';
import { logger } from '../shared/powertools';
import { runReconciler, type ReconcilerDeps, type RunSummary } from './run';
import { reconcilerDeps } from './wiring';

/**
 * Entry point, invoked by EventBridge Scheduler every INTERVAL_MINUTES. Wiring only: the clock is
 * read here, once, and everything else is in run.ts and src/domain/reconcile.ts.
 */
const env = loadEnv(ReconcilerEnv);
const metrics = new Metrics({ namespace: 'DevVm', serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dev-vm-reconciler' });
const ec2 = new EC2Client({ ...RETRY_CONFIG });
const s3 = new S3Client(s3ClientConfig());
const eventBridge = new EventBridgeClient({ ...RETRY_CONFIG });

const deps = (): ReconcilerDeps =>
  reconcilerDeps(env, { ec2, s3, eventBridge }, logger, {
    count: (name, value) => metrics.addMetric(name, MetricUnit.Count, value),
    milliseconds: (name, value) => metrics.addMetric(name, MetricUnit.Milliseconds, value),
  });

export const handler = async (): Promise<Omit<RunSummary, 'detail'>> => {
  try {
    const { detail: _detail, ...summary } = await runReconciler(deps(), new Date());
    return summary;
  } finally {
    metrics.publishStoredMetrics();
  }
};
