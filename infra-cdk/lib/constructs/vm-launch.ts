import { Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import { Construct } from 'constructs';
import { ENVIRONMENT, Tag } from '../../../src/contract/tags';
import type { OsId } from '../../../src/contract/vm-api';
import { AMI_PARAMETERS, type VmArchitecture } from '../config';
import { VmInstanceBoundary, VmInstancePolicy } from '../iam/instance-identity';

export const ROOT_VOLUME_GIB = 30;

/** Root device name of each OS's AMIs: the block device mapping must name it to resize/encrypt the root. */
export const ROOT_DEVICE: Record<OsId, string> = { al2023: '/dev/xvda', 'ubuntu-24.04': '/dev/sda1', 'rhel-9': '/dev/sda1' };

export interface VmLaunchProps {
  readonly allowedOs: readonly OsId[];
  readonly architecture: VmArchitecture;
  /** SSM parameter with a RHEL 9 AMI id (required for rhel-9; AWS publishes none). */
  readonly rhelAmiParameter?: string;
  readonly vmSecurityGroup: ec2.ISecurityGroup;
  readonly managedBy: string;
  readonly secretPrefix: string;
  readonly fileSystem: efs.IFileSystem;
  /**
   * The golden image's SSM parameter per OS (`goldenImage` setting, constructs/golden-image.ts):
   * the templates take their image from it instead of the stock public parameter.
   */
  readonly goldenImageParameters?: Partial<Record<OsId, string>>;
}

/** The SSM parameter whose value is the AMI of an OS. */
export function amiParameter(os: OsId, architecture: VmArchitecture, rhelAmiParameter?: string): string {
  if (os === 'rhel-9') {
    if (!rhelAmiParameter) throw new Error('context "rhelAmiParameter" is required for rhel-9');
    return rhelAmiParameter;
  }
  return AMI_PARAMETERS[os][architecture];
}

/**
 * One launch template per allowed OS. The AMI is `resolve:ssm:<public parameter>`, resolved by EC2
 * at each launch, so new VMs get the current patched image without a redeploy and no AMI id is
 * ever written down. No instance type (the API picks from the allow-list), no key pair (Session
 * Manager only), no instance profile (per developer, set by the API). The security group is set at
 * the template's top level rather than in a network interface so that the API can choose the subnet
 * with RunInstances' SubnetId; the subnets never map public IPs and the API's role denies asking.
 */
export class VmLaunch extends Construct {
  readonly templates: Partial<Record<OsId, ec2.LaunchTemplate>>;
  /** The SSM parameter each template resolves its AMI from (the launching role must read it). */
  readonly amiParameters: Partial<Record<OsId, string>>;
  readonly instancePolicy: VmInstancePolicy;
  readonly boundary: VmInstanceBoundary;

  constructor(scope: Construct, id: string, props: VmLaunchProps) {
    super(scope, id);
    this.instancePolicy = new VmInstancePolicy(this, 'InstancePolicy', props);
    this.boundary = new VmInstanceBoundary(this, 'InstanceBoundary', props);
    this.templates = {};
    this.amiParameters = {};
    for (const os of props.allowedOs) {
      const parameter = props.goldenImageParameters?.[os] ?? amiParameter(os, props.architecture, props.rhelAmiParameter);
      this.amiParameters[os] = parameter;
      const lt = new ec2.LaunchTemplate(this, `Template-${os}`, {
        machineImage: ec2.MachineImage.resolveSsmParameterAtLaunch(parameter, {
          os: ec2.OperatingSystemType.LINUX,
        }),
        securityGroup: props.vmSecurityGroup,
        requireImdsv2: true,
        // 2, not 1: containers on the VM (docker bridge) are one hop further from IMDS.
        httpPutResponseHopLimit: 2,
        instanceMetadataTags: false,
        instanceInitiatedShutdownBehavior: ec2.InstanceInitiatedShutdownBehavior.STOP,
        blockDevices: [
          {
            deviceName: ROOT_DEVICE[os],
            volume: ec2.BlockDeviceVolume.ebs(ROOT_VOLUME_GIB, {
              volumeType: ec2.EbsDeviceVolumeType.GP3,
              encrypted: true,
              deleteOnTermination: true,
            }),
          },
        ],
      });
      // Become tag specifications for the instance and its volume (and tag the template itself).
      Tags.of(lt).add(Tag.ManagedBy, props.managedBy);
      Tags.of(lt).add(Tag.Environment, ENVIRONMENT);
      Tags.of(lt).add(Tag.Os, os);
      this.templates[os] = lt;
    }
  }
}
