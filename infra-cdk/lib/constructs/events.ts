import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../../src/contract/events';
import { AWS_EVENT_RULES, type EventPattern } from '../../lambda/notifier/aws-events';
import { NOTIFIER_FUNCTION_TIMEOUT_SECONDS } from '../../lambda/notifier/deliver';
import { NotifierEnv } from '../../lambda/shared/env';
import { TestDeliveryPolicy } from '../iam/state-access';
import type { LambdaFactory } from '../lambda-factory';
import { type EnvFor, toEnvironment } from '../lambda-env';
import type { CommonEnv } from './common-env';

export interface LifecycleEventsProps {
  readonly lambdas: LambdaFactory;
  readonly secretPrefix: string;
  readonly webtriggerUrl: string;
  /** The state bucket: the notifier leaves connection-test reports there for the VM API. */
  readonly stateBucket: s3.IBucket;
  /** Common variables except EVENT_BUS_NAME, which this construct owns. */
  readonly common: Omit<CommonEnv, 'EVENT_BUS_NAME'>;
}

/**
 * The custom event bus the API and the reconciler publish lifecycle events to, and the notifier
 * that signs each event with the HMAC secret and posts it to the Forge web trigger. The notifier
 * runs outside the VPC: it needs the internet (the web trigger) and nothing private.
 */
export class LifecycleEvents extends Construct {
  readonly bus: events.EventBus;
  readonly notifier: lambda.Function;
  readonly hmacSecret: secretsmanager.Secret;
  readonly webtriggerUrlParameter: ssm.StringParameter;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: LifecycleEventsProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', {});

    this.hmacSecret = new secretsmanager.Secret(this, 'HmacSecret', {
      secretName: `${props.secretPrefix}webtrigger-hmac`,
      description: 'Lifecycle events signing secret: HMAC-SHA256 key the notifier signs lifecycle events with; paste into the Dev VM settings page',
      // 64 characters from [A-Za-z0-9]: ~380 bits, and safe to paste into a form field.
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.hmacSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The key is also pasted into the Dev VM settings page; rotating it is a manual two-sided step (README), automatic rotation would break delivery.',
    });

    this.webtriggerUrlParameter = new ssm.StringParameter(this, 'WebtriggerUrl', {
      parameterName: `/${props.secretPrefix}webtrigger-url`,
      description: 'Lifecycle events URL (the Forge app\'s web trigger); "not-configured" until the deployment setting webtriggerUrl gives it',
      stringValue: props.webtriggerUrl,
    });

    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the event rule and of the notifier\'s async invocations.',
    });

    const env: EnvFor<typeof NotifierEnv> = {
      ...props.common,
      EVENT_BUS_NAME: this.bus.eventBusName,
      HMAC_SECRET_ARN: this.hmacSecret.secretArn,
      WEBTRIGGER_URL_PARAMETER: this.webtriggerUrlParameter.parameterName,
    };
    this.notifier = props.lambdas.create(this, 'Notifier', {
      entry: 'notifier/handler.ts',
      serviceName: 'dev-vm-notifier',
      description: 'Signs lifecycle events (HMAC-SHA256) and delivers them to the Forge web trigger',
      environment: toEnvironment(env),
      // Waits out a web trigger's 55 s (deliver.ts), with room to load the URL and the secret.
      timeout: Duration.seconds(NOTIFIER_FUNCTION_TIMEOUT_SECONDS),
      memorySize: 256,
    });
    this.hmacSecret.grantRead(this.notifier);
    this.notifier.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [this.webtriggerUrlParameter.parameterArn] }),
    );
    this.notifier.role!.attachInlinePolicy(new TestDeliveryPolicy(this, 'TestDeliveries', { bucket: props.stateBucket, write: true }).policy);
    // Lambda's own async retries cover a web trigger that is briefly down; what still fails is kept.
    this.notifier.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: new destinations.SqsDestination(this.deadLetters),
    });

    const target = () => new targets.LambdaFunction(this.notifier, { deadLetterQueue: this.deadLetters, retryAttempts: 8, maxEventAge: Duration.hours(2) });
    new events.Rule(this, 'ToNotifier', {
      eventBus: this.bus,
      description: 'Lifecycle events of dev VMs to the Forge notifier',
      eventPattern: { source: [EVENT_SOURCE] },
      targets: [target()],
    });

    // AWS's own events arrive on the account's DEFAULT bus only, so these rules live there:
    // EC2 state changes (running/stopped/terminated within seconds, no reconciler interval) and the
    // VM's first-boot signal, a change of its DevVmBootStatus tag. Neither carries our tags in a
    // form the pattern could filter on (a state change has none), so the notifier looks the
    // instance up (one DescribeInstances per event) and drops instances this stack does not manage.
    new events.Rule(this, 'Ec2StateToNotifier', {
      description: 'EC2 instance state changes (running, stopped, terminated) to the Forge notifier',
      eventPattern: cdkPattern(AWS_EVENT_RULES.ec2State),
      targets: [target()],
    });
    new events.Rule(this, 'BootStatusToNotifier', {
      description: 'First-boot status tag written by a dev VM (DevVmBootStatus) to the Forge notifier',
      eventPattern: cdkPattern(AWS_EVENT_RULES.bootStatus),
      targets: [target()],
    });
    this.notifier.addToRolePolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }));
    Validations.of(this.notifier.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeInstances supports no resource-level permissions (AWS requires "*"); read-only, to check an instance of an EC2 event is managed by this stack.',
    });
  }
}

/** CDK spells the top-level fields in camelCase (detailType); `detail` is passed through as is. */
function cdkPattern(p: EventPattern): events.EventPattern {
  const list = (v: EventPattern[string] | undefined): string[] | undefined => (Array.isArray(v) ? [...(v as readonly string[])] : undefined);
  const source = list(p.source);
  const detailType = list(p['detail-type']);
  return {
    ...(source ? { source } : {}),
    ...(detailType ? { detailType } : {}),
    ...(p.detail && !Array.isArray(p.detail) ? { detail: p.detail as Record<string, unknown> } : {}),
  };
}
