import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { ReconcilerEnv } from '../../lambda/shared/env';
import { parameterArn } from '../iam/arns';
import { InstanceControlPolicy, RECONCILER_TAG_KEYS } from '../iam/instance-control';
import { StateAccessPolicy } from '../iam/state-access';
import type { LambdaFactory } from '../lambda-factory';
import { type EnvFor, toEnvironment } from '../lambda-env';
import type { CommonEnv } from './common-env';

export interface WorkingHoursSchedulerProps {
  readonly lambdas: LambdaFactory;
  readonly common: CommonEnv;
  readonly managedBy: string;
  readonly intervalMinutes: number;
  readonly idleDays: number;
  readonly idleWarningDays: number;
  readonly bootDeadlineMinutes: number;
  /** Name of the SSM parameter with the admin's idle and stop rules (read once per run). */
  readonly idlePolicyParameter: string;
  readonly stateBucket: s3.IBucket;
  readonly eventBus: events.IEventBus;
}

/**
 * The reconciler, run by EventBridge Scheduler every `intervalMinutes`. It needs no VPC: it only
 * talks to EC2, S3 and EventBridge. No retries on the schedule target: a failed run is simply
 * caught up by the next one, which is what the reconciler's boundary logic is built for.
 */
export class WorkingHoursScheduler extends Construct {
  readonly reconciler: lambda.Function;
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: WorkingHoursSchedulerProps) {
    super(scope, id);
    const env: EnvFor<typeof ReconcilerEnv> = {
      ...props.common,
      IDLE_DAYS: String(props.idleDays),
      IDLE_WARNING_DAYS: String(props.idleWarningDays),
      INTERVAL_MINUTES: String(props.intervalMinutes),
      // Activity rules (issue 13); the defaults the admin page describes.
      IDLE_STOP_MINUTES: '60',
      CPU_BUSY_PERCENT: '10',
      CPU_BUSY_MINUTES: '15',
      STOP_DEFER_STEP_MINUTES: '30',
      STOP_DEFER_MAX_MINUTES: '180',
      ACTIVITY_HISTORY_HOURS: '24',
      BOOT_DEADLINE_MINUTES: String(props.bootDeadlineMinutes),
      IDLE_POLICY_PARAMETER: props.idlePolicyParameter,
    };
    this.reconciler = props.lambdas.create(this, 'Reconciler', {
      entry: 'reconciler/handler.ts',
      serviceName: 'dev-vm-reconciler',
      description: 'Starts and stops dev VMs on their working-hours tags; idle reaper',
      environment: toEnvironment(env),
      // A run must end well before the next one starts (overlap is guarded, but wasteful).
      timeout: Duration.minutes(Math.min(4, props.intervalMinutes)),
      memorySize: 1024,
    });
    const role = this.reconciler.role!;
    role.attachInlinePolicy(new InstanceControlPolicy(this, 'InstanceControl', { managedBy: props.managedBy, allowTerminate: true, tagKeys: RECONCILER_TAG_KEYS }).policy);
    role.attachInlinePolicy(new StateAccessPolicy(this, 'State', { bucket: props.stateBucket, write: true }).policy);
    // Activity measurement, read-only. Neither action has a resource type or a tag condition key in
    // the Service Authorization Reference (ssm:DescribeSessions, cloudwatch:GetMetricData: "*"),
    // so they cannot be narrowed to the stack's instances; the reconciler keeps only sessions
    // whose target is one of its VMs and queries CPU by InstanceId dimension.
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'MeasureActivity', actions: ['ssm:DescribeSessions', 'cloudwatch:GetMetricData'], resources: ['*'] }));
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ssm:DescribeSessions and cloudwatch:GetMetricData support no resource-level permissions; both are read-only.',
    });
    // The admin's idle and stop rules: read that one parameter, nothing else of Parameter Store.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadIdlePolicy', actions: ['ssm:GetParameter'], resources: [parameterArn(this, props.idlePolicyParameter)] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'PublishLifecycleEvents', actions: ['events:PutEvents'], resources: [props.eventBus.eventBusArn] }));

    this.schedule = new scheduler.Schedule(this, 'Every', {
      description: `Reconcile dev VMs with their schedules every ${props.intervalMinutes} minutes`,
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(props.intervalMinutes)),
      target: new schedulerTargets.LambdaInvoke(this.reconciler, { role: this.invokerRole(), retryAttempts: 0, maxEventAge: Duration.minutes(Math.max(1, props.intervalMinutes)) }),
    });
  }

  /** Scheduler's own role, so that its permissions sit next to their acknowledgement. */
  private invokerRole(): iam.Role {
    const role = new iam.Role(this, 'InvokerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'EventBridge Scheduler: invoke the reconciler',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.reconciler.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason: 'aws-scheduler-targets grants invoke on the function and its versions (":*"); this role invokes only the reconciler.',
    });
    return role;
  }
}
