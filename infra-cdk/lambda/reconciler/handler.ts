import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { RETRY_CONFIG } from '../shared/clients';
import { loadEnv, ReconcilerEnv } from '../shared/env';
import { EventPublisher } from '../shared/events';
import { logger } from '../shared/powertools';
import { SchedulerStateStore } from '../shared/scheduler-state';
import { NotAManagedVmError, toVm } from '../shared/vm-record';
import { Fleet } from './fleet';
import { runReconciler, withUsage, type ReconcilerDeps, type RunSummary } from './run';

/**
 * Entry point, invoked by EventBridge Scheduler every INTERVAL_MINUTES. Wiring only: the clock is
 * read here, once, and everything else is in run.ts and src/domain/reconcile.ts.
 */
const env = loadEnv(ReconcilerEnv);
const metrics = new Metrics({ namespace: 'DevVm', serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dev-vm-reconciler' });
const ec2 = new EC2Client({ ...RETRY_CONFIG });
const s3 = new S3Client({ ...RETRY_CONFIG });
const eventBridge = new EventBridgeClient({ ...RETRY_CONFIG });

function deps(): ReconcilerDeps {
  return {
    fleet: new Fleet(ec2, env.MANAGED_BY),
    state: new SchedulerStateStore(s3, env.STATE_BUCKET, env.STATE_KEY),
    events: new EventPublisher(eventBridge, env.EVENT_BUS_NAME),
    log: {
      info: (message, extra) => logger.info(message, extra ?? {}),
      warn: (message, extra) => logger.warn(message, extra ?? {}),
      error: (message, extra) => logger.error(message, extra ?? {}),
    },
    metrics: {
      count: (name, value) => metrics.addMetric(name, MetricUnit.Count, value),
      milliseconds: (name, value) => metrics.addMetric(name, MetricUnit.Milliseconds, value),
    },
    options: { intervalMinutes: env.INTERVAL_MINUTES, idleDays: env.IDLE_DAYS, idleWarningDays: env.IDLE_WARNING_DAYS },
    // The reconciler has no database endpoints, so the event's `vm` lists no DB connections.
    toVm: withUsage((instance, usage) => {
      try {
        return toVm(instance, { region: env.AWS_REGION, secretPrefix: env.SECRET_PREFIX, managedBy: env.MANAGED_BY, databases: {}, ...(usage ? { usage } : {}) });
      } catch (e) {
        if (e instanceof NotAManagedVmError) return undefined;
        throw e;
      }
    }),
  };
}

export const handler = async (): Promise<Omit<RunSummary, 'detail'>> => {
  try {
    const { detail: _detail, ...summary } = await runReconciler(deps(), new Date());
    return summary;
  } finally {
    metrics.publishStoredMetrics();
  }
};
