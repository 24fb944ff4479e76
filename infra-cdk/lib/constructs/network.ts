import { Annotations, CfnCondition, Fn, Aws } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { VpcConfig } from '../config';

export const POSTGRES_PORT = 5432;
export const MYSQL_PORT = 3306;

export interface NetworkProps {
  readonly config: VpcConfig;
  /** Database ports that will be open to the VMs and the VM API (one per enabled engine). */
  readonly dbPorts: readonly number[];
}

/**
 * Monthly cost of the two egress choices, us-east-1 list prices (730 h/month), recorded 2026-11-26:
 *
 * | egress     | what is created                                              | fixed $/month           | per GB      |
 * |------------|--------------------------------------------------------------|-------------------------|-------------|
 * | nat        | 1 NAT gateway (one AZ) + its public IPv4, S3 gateway endpoint | 32.85 + 3.65 = 36.50    | 0.045       |
 * | endpoints  | 8 interface endpoints × 2 AZs (+ IAM in us-east-1), S3 gateway| 8 × 2 × 7.30 = 116.80   | 0.01        |
 *
 * `nat` is the default: it is cheaper for a small team and it is the only mode in which Ubuntu's
 * apt mirrors, Docker's and NodeSource's repositories and the global IAM API are reachable.
 * `endpoints` suits a locked-down account: Amazon Linux 2023 still installs packages (its dnf
 * repositories are in S3, reached through the free gateway endpoint), but Ubuntu VMs cannot, and the
 * VM API reaches IAM only in us-east-1 (IAM's PrivateLink endpoint exists only there).
 */
export const INTERFACE_ENDPOINTS: ReadonlyArray<[string, ec2.InterfaceVpcEndpointAwsService]> = [
  ['Ssm', ec2.InterfaceVpcEndpointAwsService.SSM],
  ['SsmMessages', ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES],
  ['Ec2Messages', ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES],
  ['SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
  ['Ec2', ec2.InterfaceVpcEndpointAwsService.EC2],
  ['Efs', ec2.InterfaceVpcEndpointAwsService.ELASTIC_FILESYSTEM],
  ['Events', ec2.InterfaceVpcEndpointAwsService.EVENTBRIDGE],
  ['Logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
];

/**
 * The VPC (created or imported), its private subnets and the security groups of everything in it.
 * VMs get no inbound rule at all: people reach them through SSM Session Manager, which the agent
 * opens outbound.
 */
export class Network extends Construct {
  readonly vpc: ec2.IVpc;
  /** Where VMs, EFS mount targets and the VM API's ENIs go. */
  readonly privateSubnets: ec2.SubnetSelection;
  /** Where the RDS instances go (isolated subnets when the VPC is created here). */
  readonly dataSubnets: ec2.SubnetSelection;
  readonly vmSecurityGroup: ec2.SecurityGroup;
  readonly apiSecurityGroup: ec2.SecurityGroup;
  readonly dbSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { config } = props;

    if (config.kind === 'import') {
      // fromVpcAttributes instead of fromLookup: synthesis stays offline and account-agnostic.
      this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: config.vpcId,
        availabilityZones: config.availabilityZones,
        privateSubnetIds: config.privateSubnetIds,
      });
      this.privateSubnets = { subnets: this.vpc.privateSubnets };
      this.dataSubnets = this.privateSubnets;
      Annotations.of(this).addInfo('Imported VPC: its owner provides egress (NAT or endpoints) for SSM, Secrets Manager, EC2, EFS, IAM and EventBridge.');
    } else {
      const nat = config.egress === 'nat';
      const vpc = new ec2.Vpc(this, 'Vpc', {
        ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/16'),
        maxAzs: 2,
        natGateways: nat ? 1 : 0,
        subnetConfiguration: [
          ...(nat ? [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 26, mapPublicIpOnLaunch: false }] : []),
          { name: 'vms', subnetType: nat ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 },
          { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
        ],
        // Free, and it keeps S3 traffic (package repositories, the state bucket) off the NAT's per-GB charge.
        gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
        restrictDefaultSecurityGroup: true,
      });
      const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention: logs.RetentionDays.ONE_MONTH });
      vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: ec2.FlowLogTrafficType.ALL });
      this.vpc = vpc;
      this.privateSubnets = { subnetGroupName: 'vms' };
      this.dataSubnets = { subnetGroupName: 'data' };
    }

    this.vmSecurityGroup = new ec2.SecurityGroup(this, 'VmSg', {
      vpc: this.vpc,
      description: 'Dev VMs: no inbound (SSM Session Manager only); outbound for SSM, package repositories, EFS and the databases',
      allowAllOutbound: true,
    });
    this.apiSecurityGroup = new ec2.SecurityGroup(this, 'ApiSg', {
      vpc: this.vpc,
      description: 'VM API Lambda: no inbound; outbound to AWS APIs and the databases',
      allowAllOutbound: true,
    });
    this.dbSecurityGroup = new ec2.SecurityGroup(this, 'DbSg', {
      vpc: this.vpc,
      description: 'RDS: database ports from the VMs and the VM API only',
      allowAllOutbound: false,
    });
    for (const port of props.dbPorts) {
      this.dbSecurityGroup.addIngressRule(this.vmSecurityGroup, ec2.Port.tcp(port), `dev VMs to port ${port}`);
      this.dbSecurityGroup.addIngressRule(this.apiSecurityGroup, ec2.Port.tcp(port), `VM API to port ${port}`);
    }
    if (config.kind === 'create' && config.egress === 'endpoints') this.addInterfaceEndpoints(this.vpc as ec2.Vpc);
  }

  private addInterfaceEndpoints(vpc: ec2.Vpc): void {
    // One security group for all endpoints, HTTPS from the VMs and the VM API only (not the whole VPC CIDR).
    const endpointSg = new ec2.SecurityGroup(this, 'EndpointSg', {
      vpc,
      description: 'Interface endpoints: HTTPS from the dev VMs and the VM API',
      allowAllOutbound: false,
    });
    endpointSg.addIngressRule(this.vmSecurityGroup, ec2.Port.tcp(443), 'HTTPS from dev VMs');
    endpointSg.addIngressRule(this.apiSecurityGroup, ec2.Port.tcp(443), 'HTTPS from the VM API');
    const common = { subnets: this.privateSubnets, privateDnsEnabled: true, securityGroups: [endpointSg], open: false };
    for (const [name, service] of INTERFACE_ENDPOINTS) vpc.addInterfaceEndpoint(name, { service, ...common });
    // IAM's control plane is global and has a PrivateLink endpoint in us-east-1 only.
    const inUsEast1 = new CfnCondition(this, 'InUsEast1', { expression: Fn.conditionEquals(Aws.REGION, 'us-east-1') });
    const iamEndpoint = vpc.addInterfaceEndpoint('Iam', { service: new ec2.InterfaceVpcEndpointService('com.amazonaws.iam', 443), ...common });
    (iamEndpoint.node.defaultChild as ec2.CfnVPCEndpoint).cfnOptions.condition = inUsEast1;
    Annotations.of(this).addWarningV2(
      'dev-vm:egress-endpoints',
      'egress=endpoints: Ubuntu VMs cannot reach apt mirrors, and outside us-east-1 the VM API cannot reach IAM to create instance roles. Use egress=nat unless you provide a proxy.',
    );
  }
}
