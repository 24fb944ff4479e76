import { CreateLaunchTemplateCommand, CreateSubnetCommand, CreateVpcCommand, DescribeLaunchTemplatesCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateFileSystemCommand, DescribeFileSystemsCommand, EFSClient } from '@aws-sdk/client-efs';
import { CreateEventBusCommand, DescribeEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreatePolicyCommand, GetPolicyCommand, IAMClient, ListPoliciesCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, HeadBucketCommand, S3Client, type BucketLocationConstraint } from '@aws-sdk/client-s3';
import { errorIs } from '../../infra-cdk/lambda/shared/clients';

/**
 * The preview's emulator mode (AWS_ENDPOINT_URL = LocalStack, moto, or `local/aws/main.ts
 * --strict-resources`): the account resources the CDK stack would create and the Lambdas name by
 * id. Each one is looked up first and created only when missing, so running this again against the
 * same emulator changes nothing. A resource the person named through its variable (VM_SUBNET_IDS,
 * LAUNCH_TEMPLATES, …) is checked, never created. Anything that cannot be found or created is
 * reported together, by variable and cause, before the preview starts, instead of failing at first
 * use ("NoSuchEntity: Policy … dev-vm-instance" on Ready, "The specified bucket does not exist"
 * from the scheduler button).
 */

/** The variables the Lambdas read that name emulator resources (infra-cdk/lambda/shared/env.ts). */
export const EMULATOR_VARIABLES = ['VM_SUBNET_IDS', 'LAUNCH_TEMPLATES', 'EFS_FILE_SYSTEM_ID', 'STATE_BUCKET', 'EVENT_BUS_NAME', 'INSTANCE_POLICY_ARN', 'INSTANCE_BOUNDARY_ARN'] as const;
export type EmulatorVariable = (typeof EMULATOR_VARIABLES)[number];

export interface BootstrapItem {
  variable: EmulatorVariable;
  value: string;
  /** found: already there; created: made now; given: named by the person and checked. */
  status: 'found' | 'created' | 'given';
}
export interface BootstrapResult {
  env: Record<EmulatorVariable, string>;
  items: BootstrapItem[];
}

export class EmulatorBootstrapError extends Error {
  constructor(readonly missing: { variable: EmulatorVariable; cause: string }[]) {
    super(`the AWS emulator lacks what the preview needs:\n${missing.map((m) => `  ${m.variable}: ${m.cause}`).join('\n')}`);
    this.name = 'EmulatorBootstrapError';
  }
}

export interface BootstrapOptions {
  /** Endpoint, region and credentials of the SDK clients (default: from the environment). */
  clientConfig?: { endpoint?: string; region?: string; credentials?: { accessKeyId: string; secretAccessKey: string } };
  /** Values named by the person (default process.env); these are checked, not created. */
  given?: Partial<Record<EmulatorVariable, string>>;
  /** AMI of the launch templates the preview creates (emulators do not boot it). */
  imageId?: string;
}

/** Names of what the preview creates; tagged so a later run finds them again. */
export const PREVIEW_NAMES = {
  tag: 'dev-vm-preview',
  vpcCidr: '10.42.0.0/16',
  subnetCidrs: ['10.42.1.0/24', '10.42.2.0/24'],
  launchTemplate: (os: string) => `dev-vm-preview-${os}`,
  os: ['al2023', 'ubuntu-24.04'] as const,
  fileSystemToken: 'dev-vm-preview-home',
  bucket: 'dev-vm-scheduler-state',
  eventBus: 'dev-vm-events',
  policyPath: '/dev-vm/',
  instancePolicy: 'dev-vm-instance',
  boundaryPolicy: 'dev-vm-instance-boundary',
} as const;

/**
 * What a developer VM's role may do (the stack's instance policy, reduced to what the preview
 * shows): read its own developer's database secret, mount its own home.
 */
const INSTANCE_POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'OwnDatabaseSecret', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { StringEquals: { 'secretsmanager:ResourceTag/DeveloperName': '${aws:PrincipalTag/DeveloperName}' } } },
    { Sid: 'OwnHome', Effect: 'Allow', Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'], Resource: '*' },
  ],
};
/** The ceiling of every developer role (permissions boundary). */
const BOUNDARY_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Ceiling', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'elasticfilesystem:Client*', 'ssm:UpdateInstanceInformation', 'ssmmessages:*', 'ec2messages:*'], Resource: '*' }],
};

const causeOf = (e: unknown): string => `${(e as { name?: string }).name ?? 'Error'}: ${e instanceof Error ? e.message : String(e)}`;

export async function bootstrapEmulator(options: BootstrapOptions = {}): Promise<BootstrapResult> {
  const cfg = options.clientConfig ?? {};
  const given = options.given ?? Object.fromEntries(EMULATOR_VARIABLES.flatMap((k) => (process.env[k] ? [[k, process.env[k] as string]] : [])));
  const ec2 = new EC2Client(cfg);
  const iam = new IAMClient(cfg);
  const efs = new EFSClient(cfg);
  // Path-style: an emulator's hostname has no per-bucket DNS names.
  const s3 = new S3Client({ ...cfg, forcePathStyle: true });
  const events = new EventBridgeClient(cfg);
  const region = await ec2.config.region();
  const items: BootstrapItem[] = [];
  const missing: { variable: EmulatorVariable; cause: string }[] = [];

  const step = async (variable: EmulatorVariable, ensure: () => Promise<{ value: string; status: BootstrapItem['status'] }>) => {
    try {
      items.push({ variable, ...(await ensure()) });
    } catch (e) {
      missing.push({ variable, cause: causeOf(e) });
    }
  };
  const tagSpec = (ResourceType: 'vpc' | 'subnet' | 'launch-template', name: string) => [{ ResourceType, Tags: [{ Key: 'Name', Value: name }, { Key: 'ManagedBy', Value: PREVIEW_NAMES.tag }] }];

  try {
    await step('VM_SUBNET_IDS', async () => {
      if (given.VM_SUBNET_IDS) {
        const ids = given.VM_SUBNET_IDS.split(',').map((s) => s.trim());
        await ec2.send(new DescribeSubnetsCommand({ SubnetIds: ids }));
        return { value: ids.join(','), status: 'given' };
      }
      const vpcs = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:ManagedBy', Values: [PREVIEW_NAMES.tag] }] }))).Vpcs ?? [];
      let created = false;
      let vpcId = vpcs[0]?.VpcId;
      if (!vpcId) {
        vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: PREVIEW_NAMES.vpcCidr, TagSpecifications: tagSpec('vpc', PREVIEW_NAMES.tag) }))).Vpc?.VpcId;
        if (!vpcId) throw new Error('CreateVpc returned no VpcId');
        created = true;
      }
      const existing = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).Subnets ?? [];
      const ids: string[] = [];
      for (const [i, cidr] of PREVIEW_NAMES.subnetCidrs.entries()) {
        const found = existing.find((s) => s.CidrBlock === cidr)?.SubnetId;
        if (found) {
          ids.push(found);
          continue;
        }
        const az = `${region}${'ab'[i]}`;
        const id = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: az, TagSpecifications: tagSpec('subnet', `${PREVIEW_NAMES.tag}-private-${i + 1}`) }))).Subnet?.SubnetId;
        if (!id) throw new Error('CreateSubnet returned no SubnetId');
        ids.push(id);
        created = true;
      }
      return { value: ids.join(','), status: created ? 'created' : 'found' };
    });

    await step('LAUNCH_TEMPLATES', async () => {
      if (given.LAUNCH_TEMPLATES) {
        const byOs = JSON.parse(given.LAUNCH_TEMPLATES) as Record<string, string>;
        await ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: Object.values(byOs) }));
        return { value: given.LAUNCH_TEMPLATES, status: 'given' };
      }
      const byOs: Record<string, string> = {};
      let created = false;
      for (const os of PREVIEW_NAMES.os) {
        const name = PREVIEW_NAMES.launchTemplate(os);
        // A filter, not LaunchTemplateNames: an unknown name is an empty list, not an error.
        const found = (await ec2.send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: 'launch-template-name', Values: [name] }] }))).LaunchTemplates?.[0]?.LaunchTemplateId;
        if (found) {
          byOs[os] = found;
          continue;
        }
        const id = (
          await ec2.send(
            new CreateLaunchTemplateCommand({
              LaunchTemplateName: name,
              LaunchTemplateData: { ImageId: options.imageId ?? 'ami-0a1b2c3d4e5f60718', MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' } },
              TagSpecifications: tagSpec('launch-template', name),
            }),
          )
        ).LaunchTemplate?.LaunchTemplateId;
        if (!id) throw new Error('CreateLaunchTemplate returned no LaunchTemplateId');
        byOs[os] = id;
        created = true;
      }
      return { value: JSON.stringify(byOs), status: created ? 'created' : 'found' };
    });

    await step('EFS_FILE_SYSTEM_ID', async () => {
      if (given.EFS_FILE_SYSTEM_ID) {
        await efs.send(new DescribeFileSystemsCommand({ FileSystemId: given.EFS_FILE_SYSTEM_ID }));
        return { value: given.EFS_FILE_SYSTEM_ID, status: 'given' };
      }
      const found = (await efs.send(new DescribeFileSystemsCommand({ CreationToken: PREVIEW_NAMES.fileSystemToken }))).FileSystems?.[0]?.FileSystemId;
      if (found) return { value: found, status: 'found' };
      const id = (await efs.send(new CreateFileSystemCommand({ CreationToken: PREVIEW_NAMES.fileSystemToken, Encrypted: true, Tags: [{ Key: 'Name', Value: PREVIEW_NAMES.tag }] }))).FileSystemId;
      if (!id) throw new Error('CreateFileSystem returned no FileSystemId');
      return { value: id, status: 'created' };
    });

    await step('STATE_BUCKET', async () => {
      const bucket = given.STATE_BUCKET ?? PREVIEW_NAMES.bucket;
      try {
        await s3.send(new HeadBucketCommand({ Bucket: bucket }));
        return { value: bucket, status: given.STATE_BUCKET ? 'given' : 'found' };
      } catch (e) {
        if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw e;
      }
      // Outside us-east-1 CreateBucket must name the region.
      const location = region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } };
      await s3.send(new CreateBucketCommand({ Bucket: bucket, ...location }));
      return { value: bucket, status: 'created' };
    });

    await step('EVENT_BUS_NAME', async () => {
      // PutEvents to a bus that does not exist succeeds and drops the events: check it exists.
      const name = given.EVENT_BUS_NAME ?? PREVIEW_NAMES.eventBus;
      try {
        await events.send(new DescribeEventBusCommand({ Name: name }));
        return { value: name, status: given.EVENT_BUS_NAME ? 'given' : 'found' };
      } catch (e) {
        if (!errorIs(e, 'ResourceNotFoundException', 'ResourceNotFound')) throw e;
      }
      await events.send(new CreateEventBusCommand({ Name: name }));
      return { value: name, status: 'created' };
    });

    const policy = (variable: 'INSTANCE_POLICY_ARN' | 'INSTANCE_BOUNDARY_ARN', name: string, document: object) =>
      step(variable, async () => {
        const named = given[variable];
        if (named) {
          await iam.send(new GetPolicyCommand({ PolicyArn: named }));
          return { value: named, status: 'given' };
        }
        const found = (await iam.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: PREVIEW_NAMES.policyPath }))).Policies?.find((x) => x.PolicyName === name)?.Arn;
        if (found) return { value: found, status: 'found' };
        const arn = (await iam.send(new CreatePolicyCommand({ PolicyName: name, Path: PREVIEW_NAMES.policyPath, PolicyDocument: JSON.stringify(document) }))).Policy?.Arn;
        if (!arn) throw new Error('CreatePolicy returned no Arn');
        return { value: arn, status: 'created' };
      });
    await policy('INSTANCE_POLICY_ARN', PREVIEW_NAMES.instancePolicy, INSTANCE_POLICY);
    await policy('INSTANCE_BOUNDARY_ARN', PREVIEW_NAMES.boundaryPolicy, BOUNDARY_POLICY);
  } finally {
    for (const c of [ec2, iam, efs, s3, events]) c.destroy();
  }

  if (missing.length) throw new EmulatorBootstrapError(missing);
  return { env: Object.fromEntries(items.map((i) => [i.variable, i.value])) as Record<EmulatorVariable, string>, items };
}
