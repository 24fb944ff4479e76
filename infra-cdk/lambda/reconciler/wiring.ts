import type { EC2Client } from '@aws-sdk/client-ec2';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Log } from '../shared/powertools';
import type { ReconcilerEnv } from '../shared/env';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { readIdlePolicy } from '../shared/idle-policy';
import { EventPublisher } from '../shared/events';
import { SchedulerStateStore } from '../shared/scheduler-state';
import { NotAManagedVmError, toVm } from '../shared/vm-record';
import { Ec2Gateway } from '../shared/ec2';
import { ActivityProbe } from './activity-probe';
import { withUsage, type ReconcilerDeps } from './run';

/**
 * The reconciler's dependencies built from its environment and SDK clients: the Lambda handler
 * and the local preview both use this, so the preview runs exactly what is deployed, only with a
 * chosen clock and its own metrics sink.
 */
export function reconcilerDeps(
  env: ReconcilerEnv,
  /** SSM and CloudWatch serve the activity probe (sessions and CPU). */
  clients: { ec2: EC2Client; s3: S3Client; eventBridge: EventBridgeClient; ssm: SSMClient; cloudWatch: CloudWatchClient },
  logger: Log,
  metrics: ReconcilerDeps['metrics'],
  /** Lets a caller observe what was published (the preview shows it); defaults to the publisher. */
  wrapEvents: (publisher: EventPublisher) => ReconcilerDeps['events'] = (p) => p,
): ReconcilerDeps {
  const { ssm } = clients;
  // Powertools Parameters on the same SSM client; its cache lives as long as these deps (the container).
  const parameters = new SSMProvider({ awsSdkV3Client: ssm });
  return {
    fleet: new Ec2Gateway(clients.ec2, env.MANAGED_BY),
    policy: { read: () => readIdlePolicy(parameters, env.IDLE_POLICY_PARAMETER, logger) },
    activity: new ActivityProbe(ssm, clients.cloudWatch, {
      cpuPercent: env.CPU_BUSY_PERCENT,
      cpuSustainMinutes: env.CPU_BUSY_MINUTES,
      periodMinutes: 5,
      historyHours: env.ACTIVITY_HISTORY_HOURS,
    }),
    state: new SchedulerStateStore(clients.s3, env.STATE_BUCKET, env.STATE_KEY),
    events: wrapEvents(new EventPublisher(clients.eventBridge, env.EVENT_BUS_NAME)),
    log: logger,
    metrics,
    options: {
      intervalMinutes: env.INTERVAL_MINUTES,
      idleDays: env.IDLE_DAYS,
      idleWarningDays: env.IDLE_WARNING_DAYS,
      idleStopMinutes: env.IDLE_STOP_MINUTES,
      stopDeferStepMinutes: env.STOP_DEFER_STEP_MINUTES,
      stopDeferMaxMinutes: env.STOP_DEFER_MAX_MINUTES,
      bootDeadlineMinutes: env.BOOT_DEADLINE_MINUTES,
    },
    // The reconciler has no database endpoints, so the event's `vm` lists no DB connections; the
    // Forge web trigger keeps the ones it stored when the VM was provisioned.
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
