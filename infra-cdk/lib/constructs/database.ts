import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { MYSQL_PORT, POSTGRES_PORT } from './network';

/** Major versions only: RDS then picks its current default minor, so no pinned minor ever goes end-of-life under us. */
export const POSTGRES_VERSION = rds.PostgresEngineVersion.VER_17;
export const MYSQL_VERSION = rds.MysqlEngineVersion.of('8.4', '8.4');

export interface DatabasesProps {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly postgres: boolean;
  readonly mysql: boolean;
  /** Instance class without `db.`, e.g. `t4g.micro`. */
  readonly instanceType: string;
  readonly secretPrefix: string;
}

/**
 * The shared RDS instances. Each client gets its own database and roles on them, created by the
 * VM API with the master credentials, which RDS generates straight into Secrets Manager.
 */
export class Databases extends Construct {
  readonly postgres?: rds.DatabaseInstance;
  readonly mysql?: rds.DatabaseInstance;

  constructor(scope: Construct, id: string, props: DatabasesProps) {
    super(scope, id);
    if (props.postgres) {
      this.postgres = this.instance('Postgres', props, {
        engine: rds.DatabaseInstanceEngine.postgres({ version: POSTGRES_VERSION }),
        port: POSTGRES_PORT,
        username: 'postgres_admin',
        parameters: {
          // rds.force_ssl is on by default from PostgreSQL 15; stated anyway so a default change cannot drop it.
          'rds.force_ssl': '1',
          // Only members of rds_password (the master) may set passwords, a login's own included, so
          // code a colleague planted in a client database cannot change the password of whoever
          // runs it. Static: takes effect after a reboot of an existing instance.
          // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Appendix.PostgreSQL.CommonDBATasks.RestrictPasswordMgmt.html
          'rds.restrict_password_commands': '1',
        },
      });
    }
    if (props.mysql) {
      this.mysql = this.instance('Mysql', props, {
        engine: rds.DatabaseInstanceEngine.mysql({ version: MYSQL_VERSION }),
        port: MYSQL_PORT,
        username: 'mysql_admin',
        // Logins are created PASSWORD REQUIRE CURRENT by the provisioner (shared/db/mysql.ts).
        parameters: { require_secure_transport: 'ON' },
      });
      Validations.of(this.mysql).acknowledge({
        id: 'CloudFormation-Validate::E9006',
        reason: 'A major version ("8.4") is valid for RDS, which then picks its default minor (as aws-cdk-lib\'s own VER_8_0 does); the CloudFormation schema only enumerates full versions.',
      });
    }
  }

  private instance(
    id: 'Postgres' | 'Mysql',
    props: DatabasesProps,
    e: { engine: rds.IInstanceEngine; port: number; username: string; parameters: Record<string, string> },
  ): rds.DatabaseInstance {
    const db = new rds.DatabaseInstance(this, id, {
      engine: e.engine,
      instanceType: new ec2.InstanceType(props.instanceType),
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      port: e.port,
      publiclyAccessible: false,
      multiAz: false,
      storageType: rds.StorageType.GP3,
      allocatedStorage: 20,
      maxAllocatedStorage: 100,
      storageEncrypted: true,
      backupRetention: Duration.days(7),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      autoMinorVersionUpgrade: true,
      copyTagsToSnapshot: true,
      parameterGroup: new rds.ParameterGroup(this, `${id}Params`, { engine: e.engine, parameters: e.parameters }),
      credentials: rds.Credentials.fromGeneratedSecret(e.username, {
        secretName: `${props.secretPrefix}rds/${id.toLowerCase()}-master`,
      }),
    });
    Validations.of(db).acknowledge(
      {
        id: 'AwsSolutions-RDS3',
        reason: 'Single-AZ on purpose: development databases, 7-day backups restore them; Multi-AZ would double the largest fixed cost.',
      },
      {
        id: 'AwsSolutions-RDS11',
        reason: 'Standard ports keep every client tool working unconfigured; the instance is private and its security group admits only the VMs and the VM API.',
      },
    );
    // The generated secret is a child of the instance construct (db.secret is its attachment).
    Validations.of(db).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Master credentials are read only by the VM API to create per-client roles; rotation is a documented manual step (README) to avoid a rotation Lambda with database access.',
    });
    return db;
  }
}
