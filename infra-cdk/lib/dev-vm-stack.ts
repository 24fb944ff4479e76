import { idlePolicyParameterName } from './iam/arns';
import { Aws, CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Tag } from '../../src/contract/tags';
import type { StackConfig } from './config';
import { OperationalAlarms } from './constructs/alarms';
import { AuditTrail } from './constructs/audit';
import type { CommonEnv } from './constructs/common-env';
import { Databases } from './constructs/database';
import { GoldenImage } from './constructs/golden-image';
import { LifecycleEvents } from './constructs/events';
import { MYSQL_PORT, Network, POSTGRES_PORT } from './constructs/network';
import { WorkingHoursScheduler } from './constructs/scheduler';
import { Storage } from './constructs/storage';
import { VmApi } from './constructs/vm-api';
import { VmLaunch } from './constructs/vm-launch';
import { DeveloperAccessPolicy } from './iam/developer-access';
import { STATE_PREFIX } from './iam/state-access';
import type { LambdaFactory } from './lambda-factory';

export interface DevVmStackProps extends StackProps {
  readonly config: StackConfig;
  readonly lambdas: LambdaFactory;
  /** Version reported by the VM API's health check; bin/app.ts passes the package version. */
  readonly appVersion?: string;
}

/** Key of the scheduler's state object inside the state bucket. */
export const STATE_KEY = `${STATE_PREFIX}state.json`;

/** Composes the constructs; creates no resource itself except outputs. */
export class DevVmStack extends Stack {
  readonly network: Network;
  readonly storage: Storage;
  readonly databases: Databases;
  readonly launch: VmLaunch;
  readonly goldenImage?: GoldenImage;
  readonly events: LifecycleEvents;
  readonly scheduler: WorkingHoursScheduler;
  readonly api: VmApi;
  readonly audit?: AuditTrail;
  readonly developerAccess?: DeveloperAccessPolicy;
  readonly alarms: OperationalAlarms;

  constructor(scope: Construct, id: string, props: DevVmStackProps) {
    super(scope, id, props);
    const { config, lambdas } = props;
    Tags.of(this).add(Tag.ManagedBy, config.managedBy);

    this.network = new Network(this, 'Network', {
      config: config.vpc,
      dbPorts: [...(config.postgres ? [POSTGRES_PORT] : []), ...(config.mysql ? [MYSQL_PORT] : [])],
    });
    this.storage = new Storage(this, 'Storage', {
      vpc: this.network.vpc,
      subnets: this.network.privateSubnets,
      vmSecurityGroup: this.network.vmSecurityGroup,
    });
    this.databases = new Databases(this, 'Databases', {
      vpc: this.network.vpc,
      subnets: this.network.dataSubnets,
      securityGroup: this.network.dbSecurityGroup,
      postgres: config.postgres,
      mysql: config.mysql,
      instanceType: config.dbInstanceType,
      secretPrefix: config.secretPrefix,
    });
    if (config.goldenImage) {
      this.goldenImage = new GoldenImage(this, 'GoldenImage', {
        allowedOs: config.allowedOs,
        architecture: config.vmArchitecture,
        rhelAmiParameter: config.rhelAmiParameter,
        managedBy: config.managedBy,
        vpc: this.network.vpc,
        subnets: this.network.privateSubnets,
      });
    }
    this.launch = new VmLaunch(this, 'VmLaunch', {
      allowedOs: config.allowedOs,
      architecture: config.vmArchitecture,
      rhelAmiParameter: config.rhelAmiParameter,
      vmSecurityGroup: this.network.vmSecurityGroup,
      managedBy: config.managedBy,
      secretPrefix: config.secretPrefix,
      fileSystem: this.storage.fileSystem,
      ...(this.goldenImage ? { goldenImageParameters: this.goldenImage.parameterNames } : {}),
    });
    // The templates name the golden parameters: they exist (seeded) before the first template does.
    if (this.goldenImage) this.launch.node.addDependency(this.goldenImage);

    const common: Omit<CommonEnv, 'EVENT_BUS_NAME'> = {
      MANAGED_BY: config.managedBy,
      SECRET_PREFIX: config.secretPrefix,
      STATE_BUCKET: this.storage.stateBucket.bucketName,
      STATE_KEY,
    };
    this.events = new LifecycleEvents(this, 'Events', {
      lambdas,
      secretPrefix: config.secretPrefix,
      webtriggerUrl: config.webtriggerUrl,
      stateBucket: this.storage.stateBucket,
      common,
    });
    const withBus: CommonEnv = { ...common, EVENT_BUS_NAME: this.events.bus.eventBusName };

    this.scheduler = new WorkingHoursScheduler(this, 'Scheduler', {
      lambdas,
      common: withBus,
      managedBy: config.managedBy,
      intervalMinutes: config.scheduleIntervalMinutes,
      idleDays: config.idleDays,
      idleWarningDays: config.idleWarningDays,
      bootDeadlineMinutes: config.bootDeadlineMinutes,
      idlePolicyParameter: idlePolicyParameterName(config.secretPrefix),
      stateBucket: this.storage.stateBucket,
      eventBus: this.events.bus,
    });

    this.api = new VmApi(this, 'VmApi', {
      lambdas,
      common: withBus,
      managedBy: config.managedBy,
      secretPrefix: config.secretPrefix,
      vpc: this.network.vpc,
      subnets: this.network.privateSubnets,
      apiSecurityGroup: this.network.apiSecurityGroup,
      vmSecurityGroup: this.network.vmSecurityGroup,
      launchTemplates: this.launch.templates,
      amiParameters: this.launch.amiParameters,
      goldenImages: config.goldenImage,
      allowedInstanceTypes: config.allowedInstanceTypes,
      allowedOs: config.allowedOs,
      fileSystem: this.storage.fileSystem,
      postgres: this.databases.postgres,
      mysql: this.databases.mysql,
      instanceRolePath: config.instanceRolePath,
      instancePolicy: this.launch.instancePolicy.policy,
      idlePolicyParameter: idlePolicyParameterName(config.secretPrefix),
      instanceBoundary: this.launch.boundary.policy,
      uidBase: config.uidBase,
      dbNamespace: config.dbNamespace,
      forgeKeySerial: config.forgeKeySerial,
      appVersion: props.appVersion ?? 'dev',
      stateBucket: this.storage.stateBucket,
      eventBus: this.events.bus,
    });

    this.alarms = new OperationalAlarms(this, 'Alarms', {
      deadLetters: this.events.deadLetters,
      reconciler: this.scheduler.reconciler,
      vmApi: this.api.fn,
      intervalMinutes: config.scheduleIntervalMinutes,
      email: config.alarmEmail,
    });
    if (config.cloudTrail) this.audit = new AuditTrail(this, 'Audit', { accessLogsBucket: this.storage.accessLogsBucket });
    if (config.developerAccess) this.developerAccess = new DeveloperAccessPolicy(this, 'DeveloperAccess', { managedBy: config.managedBy });

    this.outputs();
  }

  private outputs(): void {
    const out = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    out('ApiUrl', this.api.url.url, 'VM API function URL (Dev VM settings page: API URL)');
    out('Region', Aws.REGION, 'Region of the stack (Dev VM settings page: region)');
    out('ForgeAccessKeySecretName', this.api.forgeKeySecret.secretName, 'Secret with the Forge principal\'s access key (Dev VM settings page: access key id / secret access key)');
    out('HmacSecretName', this.events.hmacSecret.secretName, 'Secret with the Lifecycle events signing secret (Dev VM settings page: Lifecycle events signing secret)');
    out('WebtriggerUrlParameterName', this.events.webtriggerUrlParameter.parameterName, 'SSM parameter with the Lifecycle events URL (deployment setting webtriggerUrl, shown on the Dev VM settings page)');
    out('EfsFileSystemId', this.storage.fileSystem.fileSystemId, 'EFS file system with the developers\' homes');
    out('StateBucketName', this.storage.stateBucket.bucketName, 'S3 bucket with the scheduler\'s state');
    out('EventBusName', this.events.bus.eventBusName, 'EventBridge bus of lifecycle events');
    if (this.databases.postgres) out('PostgresEndpoint', this.databases.postgres.dbInstanceEndpointAddress, 'PostgreSQL endpoint (private)');
    if (this.databases.mysql) out('MysqlEndpoint', this.databases.mysql.dbInstanceEndpointAddress, 'MySQL endpoint (private)');
    if (this.developerAccess) out('DeveloperGroupName', this.developerAccess.group.groupName, 'IAM group for developers (tag each member DeveloperName=<name>)');
  }
}
