import { Duration, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { OsId } from '../../../src/contract/vm-api';
import { VmApiEnv } from '../../lambda/shared/env';
import { parameterArn } from '../iam/arns';
import { ForgeInvokerPolicy } from '../iam/forge-invoker';
import { InstanceControlPolicy } from '../iam/instance-control';
import { ProvisioningDataPolicy } from '../iam/provisioning-data';
import { StateAccessPolicy, TestDeliveryPolicy } from '../iam/state-access';
import { InstanceRoleAdminPolicy, LaunchPolicy } from '../iam/vm-launch';
import type { LambdaFactory } from '../lambda-factory';
import { type EnvFor, toEnvironment } from '../lambda-env';
import type { CommonEnv } from './common-env';

export interface VmApiProps {
  readonly lambdas: LambdaFactory;
  readonly common: CommonEnv;
  readonly managedBy: string;
  readonly secretPrefix: string;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly apiSecurityGroup: ec2.ISecurityGroup;
  readonly vmSecurityGroup: ec2.ISecurityGroup;
  readonly launchTemplates: Partial<Record<OsId, ec2.LaunchTemplate>>;
  /** SSM parameter of each template's AMI (RunInstances resolves it as the API's role). */
  readonly amiParameters: Partial<Record<OsId, string>>;
  /** The templates launch this account's golden images (`goldenImage` setting). */
  readonly goldenImages?: boolean;
  readonly allowedInstanceTypes: readonly string[];
  readonly allowedOs: readonly OsId[];
  readonly fileSystem: efs.IFileSystem;
  readonly postgres?: rds.DatabaseInstance;
  readonly mysql?: rds.DatabaseInstance;
  readonly instanceRolePath: string;
  readonly instancePolicy: iam.IManagedPolicy;
  /** Name of the SSM parameter the admin's idle and stop rules are saved to (PUT /policy). */
  readonly idlePolicyParameter: string;
  readonly instanceBoundary: iam.IManagedPolicy;
  readonly uidBase: number;
  /** Database name space (DB_NAMESPACE); empty: none. */
  readonly dbNamespace: string;
  /** Changing it replaces the access key (rotation): the secret follows, the admin re-pastes it. */
  readonly forgeKeySerial: number;
  /** Reported by GET /health. */
  readonly appVersion: string;
  readonly stateBucket: s3.IBucket;
  readonly eventBus: events.IEventBus;
}

/**
 * The VM API: one Lambda in the VPC (it must reach RDS to create client databases) behind a
 * function URL with AWS_IAM auth. Why a function URL rather than API Gateway: SigV4 is checked by
 * either, but the URL costs nothing beyond the Lambda invocation, adds no hop and no 29-second
 * cap, and with one caller and one route table (in the handler) there is nothing for API Gateway's
 * routing, usage plans or caching to do.
 *
 * The Forge app's principal is an IAM user whose only permission is invoking that URL: Forge has
 * no AWS identity of its own to federate, so a long-term key is unavoidable. The key is written to
 * a Secrets Manager secret (never to the template or an output); the admin copies it from there
 * into the Dev VM settings page.
 */
export class VmApi extends Construct {
  readonly fn: lambda.Function;
  readonly url: lambda.FunctionUrl;
  readonly forgeUser: iam.User;
  readonly forgeKeySecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: VmApiProps) {
    super(scope, id);
    const subnetIds = props.vpc.selectSubnets(props.subnets).subnetIds;
    const templates = props.launchTemplates;
    const templateIds: Partial<Record<OsId, string>> = {};
    for (const os of props.allowedOs) templateIds[os] = templates[os]!.launchTemplateId!;

    // Created before the function: the function's environment names it as its only caller.
    this.forgeUser = new iam.User(this, 'ForgeUser', { path: props.instanceRolePath });

    const env: EnvFor<typeof VmApiEnv> = {
      ...props.common,
      VM_SUBNET_IDS: subnetIds.join(','),
      LAUNCH_TEMPLATES: Stack.of(this).toJsonString(templateIds),
      ALLOWED_INSTANCE_TYPES: props.allowedInstanceTypes.join(','),
      ALLOWED_OS: props.allowedOs.join(','),
      EFS_FILE_SYSTEM_ID: props.fileSystem.fileSystemId,
      POSTGRES_SECRET_ARN: props.postgres?.secret?.secretArn,
      POSTGRES_HOST: props.postgres?.dbInstanceEndpointAddress,
      POSTGRES_PORT: props.postgres?.dbInstanceEndpointPort,
      MYSQL_SECRET_ARN: props.mysql?.secret?.secretArn,
      MYSQL_HOST: props.mysql?.dbInstanceEndpointAddress,
      MYSQL_PORT: props.mysql?.dbInstanceEndpointPort,
      INSTANCE_ROLE_PATH: props.instanceRolePath,
      INSTANCE_POLICY_ARN: props.instancePolicy.managedPolicyArn,
      INSTANCE_BOUNDARY_ARN: props.instanceBoundary.managedPolicyArn,
      UID_BASE: String(props.uidBase),
      DB_NAMESPACE: props.dbNamespace,
      APP_VERSION: props.appVersion,
      FORGE_CALLER_ARN: this.forgeUser.userArn,
      IDLE_POLICY_PARAMETER: props.idlePolicyParameter,
    };

    this.fn = props.lambdas.create(this, 'Function', {
      entry: 'vm-api/handler.ts',
      serviceName: 'dev-vm-api',
      description: 'Dev VM API (provision, list, start/stop/terminate, schedule) behind an IAM-authenticated function URL',
      environment: toEnvironment(env),
      // Provisioning creates databases and IAM roles synchronously before it answers 202.
      timeout: Duration.seconds(60),
      memorySize: 1024,
      vpc: { vpc: props.vpc, subnets: props.subnets, securityGroups: [props.apiSecurityGroup] },
    });
    const role = this.fn.role!;
    role.attachInlinePolicy(new InstanceControlPolicy(this, 'InstanceControl', { managedBy: props.managedBy, allowTerminate: true }).policy);
    // PUT /policy: write (and create, on the first save) that one parameter; read none.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'SaveIdlePolicy', actions: ['ssm:PutParameter'], resources: [parameterArn(this, props.idlePolicyParameter)] }));
    role.attachInlinePolicy(
      new LaunchPolicy(this, 'Launch', {
        managedBy: props.managedBy,
        launchTemplates: props.allowedOs.map((os) => templates[os]!),
        subnetIds,
        vmSecurityGroup: props.vmSecurityGroup,
        instanceRolePath: props.instanceRolePath,
        allowedInstanceTypes: props.allowedInstanceTypes,
        amiParameters: props.allowedOs.map((os) => props.amiParameters[os]!),
        goldenImages: props.goldenImages ?? false,
      }).policy,
    );
    role.attachInlinePolicy(
      new InstanceRoleAdminPolicy(this, 'InstanceRoles', {
        managedBy: props.managedBy,
        instanceRolePath: props.instanceRolePath,
        instancePolicy: props.instancePolicy,
        boundary: props.instanceBoundary,
      }).policy,
    );
    role.attachInlinePolicy(
      new ProvisioningDataPolicy(this, 'ProvisioningData', {
        managedBy: props.managedBy,
        secretPrefix: props.secretPrefix,
        masterSecrets: [props.postgres?.secret, props.mysql?.secret].filter((s): s is secretsmanager.ISecret => s !== undefined),
        fileSystem: props.fileSystem,
        eventBus: props.eventBus,
      }).policy,
    );
    role.attachInlinePolicy(new StateAccessPolicy(this, 'State', { bucket: props.stateBucket, write: false }).policy);
    // Connection test (POST /test-event): the test event goes on the bus (PutEvents, granted with
    // the provisioning data above), the notifier's report is read back from the bucket.
    role.attachInlinePolicy(new TestDeliveryPolicy(this, 'TestDeliveries', { bucket: props.stateBucket, write: false }).policy);

    this.url = this.fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM, invokeMode: lambda.InvokeMode.BUFFERED });

    this.forgeUser.attachInlinePolicy(new ForgeInvokerPolicy(this, 'ForgeInvoker', { fn: this.fn }).policy);
    const key = new iam.AccessKey(this, 'ForgeKey', { user: this.forgeUser, serial: props.forgeKeySerial });
    this.forgeKeySecret = new secretsmanager.Secret(this, 'ForgeKeySecret', {
      secretName: `${props.secretPrefix}forge-access-key`,
      description: 'Access key of the Forge app principal (may only invoke the VM API function URL); paste into the Dev VM settings page',
      secretObjectValue: {
        accessKeyId: SecretValue.unsafePlainText(key.accessKeyId),
        secretAccessKey: key.secretAccessKey,
      },
    });
    Validations.of(this.forgeKeySecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'An IAM access key cannot be rotated by Secrets Manager alone: the new key must also be pasted into the Dev VM settings page (README, "Rotating the Forge key").',
    });
  }
}
