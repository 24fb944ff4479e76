import { createHash } from 'node:crypto';
import { Aws, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as imagebuilder from 'aws-cdk-lib/aws-imagebuilder';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ENVIRONMENT, Tag } from '../../../src/contract/tags';
import type { OsId } from '../../../src/contract/vm-api';
import { bakeToolsScript, checkToolsScript, toolsFingerprint } from '../../../src/domain/user-data';
import type { VmArchitecture } from '../config';
import { amiParameter, ROOT_DEVICE, ROOT_VOLUME_GIB } from './vm-launch';

/**
 * Image Builder's own managed images of the OSes AWS and Canonical publish. Named with the `x.x.x`
 * version filter, so the pipeline's "only when dependencies are updated" condition sees each new
 * base image (Image Builder User Guide, "Manage image pipelines": the condition needs semantic
 * version filters on the parent image or components,
 * https://docs.aws.amazon.com/imagebuilder/latest/userguide/manage-pipelines.html).
 */
export const MANAGED_PARENT_IMAGES: Record<'al2023' | 'ubuntu-24.04', Record<VmArchitecture, string>> = {
  al2023: { x86_64: 'amazon-linux-2023-x86', arm64: 'amazon-linux-2023-arm64' },
  'ubuntu-24.04': { x86_64: 'ubuntu-server-24-lts-x86', arm64: 'ubuntu-server-24-lts-arm64' },
};

/** Build instances: 8 GiB of memory, for the efs-utils Rust build on Ubuntu and RHEL. Two types, in case one is short. */
export const BUILD_INSTANCE_TYPES: Record<VmArchitecture, string[]> = { x86_64: ['m7i.large', 't3.large'], arm64: ['m7g.large', 't4g.large'] };

/** Every Sunday 03:00 UTC Image Builder checks the pipeline's start condition. */
export const GOLDEN_IMAGE_SCHEDULE = 'cron(0 3 ? * sun *)';

/** Golden images kept per OS: the current one (which the parameter names) and two to fall back to. */
export const GOLDEN_IMAGES_KEPT = 3;

/** The SSM parameter that holds the current golden AMI of an OS (one per stack: two stages never share one). */
export const goldenImageParameterName = (stackName: string, os: OsId): string => `/dev-vm/${stackName}/golden-image/${os}`;

/** Image Builder names allow letters, digits, hyphens, underscores and spaces: `ubuntu-24.04` → `ubuntu-24-04`. */
const slug = (os: OsId): string => os.replace(/[^A-Za-z0-9-]/g, '-');

/**
 * Image Builder components and recipes are immutable name+version pairs: a changed definition
 * needs a new version, or CloudFormation's replacement collides with the old one. The version is
 * derived from the definition, so it changes exactly when the definition does.
 */
function versionOf(...parts: string[]): string {
  const n = Number.parseInt(createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 7), 16);
  return `1.0.${n}`;
}

export interface GoldenImageProps {
  readonly allowedOs: readonly OsId[];
  readonly architecture: VmArchitecture;
  readonly rhelAmiParameter?: string;
  readonly managedBy: string;
  readonly vpc: ec2.IVpc;
  /** Private subnets with egress: the build downloads packages and the efs-utils source. */
  readonly subnets: ec2.SubnetSelection;
}

/**
 * The opt-in golden image (`goldenImage` setting): per allowed OS an EC2 Image Builder pipeline
 * that bakes the tools first boot would otherwise install (git, Docker, the PostgreSQL and MySQL
 * clients, Node.js, the AWS CLI, amazon-efs-utils, and the SSM agent where the AMI lacks it) into
 * an AMI, with the very install steps of the user data (src/domain/user-data.ts, bakeToolsScript),
 * and publishes the AMI id to an SSM parameter that the OS's launch template resolves at each
 * launch. The image carries a marker with the fingerprint of those steps; first boot skips the
 * installs only when it matches, so an image baked before the steps changed still gives a working VM.
 */
export class GoldenImage extends Construct {
  /** SSM parameter name per OS; the launch templates take their image from it. */
  readonly parameterNames: Partial<Record<OsId, string>> = {};
  readonly parameters: Partial<Record<OsId, ssm.StringParameter>> = {};
  readonly pipelines: Partial<Record<OsId, imagebuilder.CfnImagePipeline>> = {};
  readonly buildRole: iam.Role;
  readonly lifecycleRole: iam.Role;
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: GoldenImageProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;

    // The build instance's identity: what Image Builder documents as the minimum (Image Builder
    // User Guide, "Prerequisites: IAM": AmazonSSMManagedInstanceCore and
    // EC2InstanceProfileForImageBuilder, https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-builder-setting-up.html#image-builder-IAM-prereq).
    // No access to the VMs' secrets, EFS or databases.
    this.buildRole = new iam.Role(this, 'BuildRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Dev VM golden image build instances (EC2 Image Builder)',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('EC2InstanceProfileForImageBuilder'),
      ],
    });
    Validations.of(this.buildRole).acknowledge(
      { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]', reason: 'Image Builder drives the build instance through SSM; AWS maintains this policy for exactly that.' },
      { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/EC2InstanceProfileForImageBuilder]', reason: 'The documented minimum of an Image Builder build instance (component download, build logs); maintained by AWS as the service evolves.' },
    );
    const profile = new iam.CfnInstanceProfile(this, 'BuildProfile', { roles: [this.buildRole.roleName] });

    // Weekly builds would pile up AMIs and their snapshots (billed per GB-month): a lifecycle
    // policy per OS deletes all but the newest GOLDEN_IMAGES_KEPT (Image Builder User Guide,
    // "Lifecycle policies": https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-lifecycle-prerequisites.html).
    this.lifecycleRole = new iam.Role(this, 'LifecycleRole', {
      assumedBy: new iam.ServicePrincipal('imagebuilder.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } } }),
      description: 'Dev VM golden images: Image Builder lifecycle (deletes old images)',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/EC2ImageBuilderLifecycleExecutionPolicy')],
    });
    Validations.of(this.lifecycleRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy]',
      reason: 'The execution role Image Builder documents for lifecycle policies; it acts only on the images the policy selects (this stack\'s recipes).',
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'BuildSg', {
      vpc: props.vpc,
      description: 'Dev VM golden image builds: no inbound; outbound for SSM, Image Builder and package repositories',
      allowAllOutbound: true,
    });
    const subnetId = props.vpc.selectSubnets(props.subnets).subnetIds[0];
    if (subnetId === undefined) throw new Error('GoldenImage: no subnet to build in');

    const infrastructure = new imagebuilder.CfnInfrastructureConfiguration(this, 'Infrastructure', {
      name: `${stackName}-dev-vm-golden-image`,
      description: 'Dev VM golden image builds: private subnet, IMDSv2, no key pair',
      instanceProfileName: profile.ref,
      instanceTypes: BUILD_INSTANCE_TYPES[props.architecture],
      subnetId,
      securityGroupIds: [this.securityGroup.securityGroupId],
      terminateInstanceOnFailure: true,
      instanceMetadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2 },
      resourceTags: { [Tag.ManagedBy]: props.managedBy },
    });

    for (const os of props.allowedOs) {
      const osSlug = slug(os);
      const fingerprint = toolsFingerprint(os);
      const document = {
        name: `dev-vm-tools-${osSlug}`,
        description: `Dev VM tools for ${os} (fingerprint ${fingerprint})`,
        schemaVersion: '1.0',
        phases: [
          { name: 'build', steps: [{ name: 'InstallTools', action: 'ExecuteBash', inputs: { commands: [bakeToolsScript(os)] } }] },
          { name: 'validate', steps: [{ name: 'CheckTools', action: 'ExecuteBash', inputs: { commands: [checkToolsScript(os)] } }] },
        ],
      };
      // YAML is a superset of JSON: the document is written as JSON so no YAML library is needed.
      const data = JSON.stringify(document, null, 1);
      const component = new imagebuilder.CfnComponent(this, `Tools-${os}`, {
        name: `${stackName}-dev-vm-tools-${osSlug}`,
        platform: 'Linux',
        version: versionOf(data),
        description: `Installs the Dev VM tools (${os}) and writes the golden image marker`,
        data,
      });

      const managed = os === 'rhel-9' ? undefined : MANAGED_PARENT_IMAGES[os][props.architecture];
      // RHEL: the admin's parameter (rhelAmiParameter), as for the stock template; Image Builder
      // resolves `ssm:` parents at each build, but cannot see them change, so that pipeline
      // rebuilds on every scheduled run instead of only on updates.
      const parentImage = managed
        ? `arn:${Aws.PARTITION}:imagebuilder:${Aws.REGION}:aws:image/${managed}/x.x.x`
        : `ssm:${amiParameter(os, props.architecture, props.rhelAmiParameter)}`;
      const recipe = new imagebuilder.CfnImageRecipe(this, `Recipe-${os}`, {
        name: `${stackName}-dev-vm-${osSlug}`,
        version: versionOf(data, managed ?? parentImage, ROOT_DEVICE[os], String(ROOT_VOLUME_GIB)),
        description: `Dev VM golden image for ${os}`,
        parentImage,
        components: [{ componentArn: component.attrArn }],
        blockDeviceMappings: [
          { deviceName: ROOT_DEVICE[os], ebs: { volumeSize: ROOT_VOLUME_GIB, volumeType: 'gp3', encrypted: true, deleteOnTermination: true } },
        ],
        // RHEL's AMIs lack the agent: Image Builder installs it to drive the build and by default
        // removes it afterwards; VMs are reached through Session Manager only, so it stays.
        additionalInstanceConfiguration: { systemsManagerAgent: { uninstallAfterBuild: false } },
      });

      const parameterName = goldenImageParameterName(stackName, os);
      // Exists from the first deploy, seeded with the stock AMI, so the launch template resolves
      // from the first launch on: with no parameter until the first successful build, every
      // launch would fail ("broken launch template"), and a failing build would keep it so. A VM
      // launched from the stock seed is merely slower: no marker, so first boot installs the
      // tools. The seed is a dynamic reference, which CloudFormation resolves only when the
      // reference itself changes (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-ssm.html),
      // so later deploys never overwrite the golden AMI id Image Builder wrote.
      const parameter = new ssm.StringParameter(this, `Ami-${os}`, {
        parameterName,
        description: `Golden AMI of Dev VMs on ${os}: seeded with the stock AMI, then written by EC2 Image Builder`,
        dataType: ssm.ParameterDataType.AWS_EC2_IMAGE,
        stringValue: `{{resolve:ssm:${amiParameter(os, props.architecture, props.rhelAmiParameter)}}}`,
      });

      const distribution = new imagebuilder.CfnDistributionConfiguration(this, `Distribution-${os}`, {
        name: `${stackName}-dev-vm-${osSlug}`,
        description: `Dev VM golden image for ${os}: AMI in this region, its id in ${parameterName}`,
        distributions: [
          {
            region: Aws.REGION,
            // Typed `any` by the L1 construct, so written in CloudFormation's own casing.
            amiDistributionConfiguration: {
              Name: `dev-vm-${osSlug}-{{ imagebuilder:buildDate }}`,
              // The VM API's launch policy allows this account's images only with this ManagedBy tag.
              AmiTags: { [Tag.ManagedBy]: props.managedBy, [Tag.Environment]: ENVIRONMENT, [Tag.Os]: os, DevVmToolsFingerprint: fingerprint },
            },
            // Image Builder writes the new AMI id here after each build (Image Builder User Guide,
            // "SSM parameters": https://docs.aws.amazon.com/imagebuilder/latest/userguide/integ-ssm-parameters.html);
            // with no execution role given, its service-linked role does the PutParameter.
            ssmParameterConfigurations: [{ parameterName, dataType: 'aws:ec2:image' }],
          },
        ],
      });
      distribution.node.addDependency(parameter);

      const pipeline = new imagebuilder.CfnImagePipeline(this, `Pipeline-${os}`, {
        name: `${stackName}-dev-vm-${osSlug}`,
        description: `Weekly Dev VM golden image for ${os}`,
        imageRecipeArn: recipe.attrArn,
        infrastructureConfigurationArn: infrastructure.attrArn,
        distributionConfigurationArn: distribution.attrArn,
        status: 'ENABLED',
        enhancedImageMetadataEnabled: true,
        imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 60 },
        schedule: {
          scheduleExpression: GOLDEN_IMAGE_SCHEDULE,
          pipelineExecutionStartCondition: managed ? 'EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE' : 'EXPRESSION_MATCH_ONLY',
        },
      });
      Tags.of(pipeline).add(Tag.ManagedBy, props.managedBy);
      Tags.of(pipeline).add(Tag.Os, os);

      // Selected by this recipe version: newest first, so the image the parameter names is always kept.
      new imagebuilder.CfnLifecyclePolicy(this, `Lifecycle-${os}`, {
        name: `${stackName}-dev-vm-${osSlug}`,
        description: `Keep the newest ${GOLDEN_IMAGES_KEPT} Dev VM golden images for ${os}; delete older ones with their snapshots`,
        executionRole: this.lifecycleRole.roleArn,
        resourceType: 'AMI_IMAGE',
        status: 'ENABLED',
        policyDetails: [{ action: { type: 'DELETE', includeResources: { amis: true, snapshots: true } }, filter: { type: 'COUNT', value: GOLDEN_IMAGES_KEPT } }],
        resourceSelection: { recipes: [{ name: recipe.name, semanticVersion: recipe.version }] },
      });

      this.parameterNames[os] = parameterName;
      this.parameters[os] = parameter;
      this.pipelines[os] = pipeline;
    }
  }
}
