import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface OperationalAlarmsProps {
  readonly deadLetters: sqs.IQueue;
  readonly reconciler: lambda.IFunction;
  readonly vmApi: lambda.IFunction;
  /** Minutes between reconciler runs: "failing" means every run of a quarter hour failed. */
  readonly intervalMinutes: number;
  /** Where alarms are mailed; without it they only show in the CloudWatch console. */
  readonly email?: string;
}

/**
 * The three things nobody would otherwise notice: lifecycle events that could not be delivered
 * (they wait in the dead-letter queue), a reconciler that keeps failing (VMs stop following their
 * schedules), and a VM API that throws instead of answering.
 */
export class OperationalAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[];
  readonly topic?: sns.Topic;

  constructor(scope: Construct, id: string, props: OperationalAlarmsProps) {
    super(scope, id);
    const runs = Math.max(1, Math.round(15 / props.intervalMinutes));
    this.alarms = [
      new cloudwatch.Alarm(this, 'UndeliveredEvents', {
        alarmDescription: 'Lifecycle events could not be delivered to the Forge web trigger (see the dead-letter queue)',
        metric: props.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'ReconcilerFailing', {
        alarmDescription: 'Every scheduler run of the last ~15 minutes failed: VMs are not following their schedules',
        metric: props.reconciler.metricErrors({ period: Duration.minutes(props.intervalMinutes), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: runs,
        datapointsToAlarm: runs,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
      new cloudwatch.Alarm(this, 'VmApiErrors', {
        alarmDescription: 'The VM API threw instead of answering (unhandled errors)',
        metric: props.vmApi.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
    if (props.email) {
      this.topic = new sns.Topic(this, 'Topic', {
        displayName: 'Dev VM for Jira alarms',
        masterKey: kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
        enforceSSL: true,
      });
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
      for (const alarm of this.alarms) alarm.addAlarmAction(new actions.SnsAction(this.topic));
    }
  }
}
