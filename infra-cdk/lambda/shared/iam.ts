import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  type IAMClient,
  type InstanceProfile,
  type Role,
  TagRoleCommand,
} from '@aws-sdk/client-iam';
import { ApiError } from '../../../src/contract/errors';
import { DeveloperName } from '../../../src/contract/names';
import { Tag } from '../../../src/contract/tags';
import { errorIs } from './clients';
import { developerInstanceRoleName, HOME_ACCESS_POINT_ROLE_TAG } from './resource-names';

/**
 * A developer's instance role and instance profile (same name, under INSTANCE_ROLE_PATH). The role
 * carries the stack's managed instance policy, the stack's permissions boundary and the tags
 * DeveloperName/ManagedBy/DevVmHomeAccessPoint; the instance policy grants secret access by
 * `${aws:PrincipalTag/DeveloperName}` and EFS mounts by `${aws:PrincipalTag/DevVmHomeAccessPoint}`,
 * so a VM reads only its own developer's DB secret and mounts only their home.
 * Every step checks before it creates and tolerates "already exists", so a retry resumes.
 */

export interface IamGatewayOptions {
  rolePath: string;
  instancePolicyArn: string;
  boundaryArn: string;
  managedBy: string;
}

/** A role or profile of that name exists but was not made by this stack: we will not adopt it. */
function foreign(message: string): ApiError {
  return new ApiError('CONFLICT', message);
}

const EC2_TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/**
 * Whether a role's trust policy (as GetRole returns it: URL-encoded JSON, IAM API Reference,
 * "Role" data type) is exactly the one this gateway writes. IAM has no condition key on the trust
 * policy of CreateRole, so a role that somehow got a wider trust (another principal, session tags)
 * is refused here rather than adopted; the instance policy's ec2:SourceInstanceARN condition makes
 * such a role's sessions useless anyway.
 */
function trustsOnlyEc2(encoded: string | undefined): boolean {
  if (!encoded) return false;
  try {
    return JSON.stringify(JSON.parse(decodeURIComponent(encoded))) === EC2_TRUST_POLICY;
  } catch {
    return false;
  }
}

export class IamGateway {
  constructor(
    private readonly client: IAMClient,
    private readonly opts: IamGatewayOptions,
  ) {}

  /** Returns the instance profile ARN, creating the role and profile as needed. */
  async ensureInstanceProfile(developer: string, homeAccessPointId: string): Promise<string> {
    const dev = DeveloperName.parse(developer);
    if (!/^fsap-[0-9a-f]{8,40}$/.test(homeAccessPointId)) throw new Error(`not an EFS access point id: ${JSON.stringify(homeAccessPointId)}`);
    const name = developerInstanceRoleName(dev);
    const tags = [
      { Key: Tag.DeveloperName, Value: dev },
      { Key: Tag.ManagedBy, Value: this.opts.managedBy },
    ];
    const homeTag = { Key: HOME_ACCESS_POINT_ROLE_TAG, Value: homeAccessPointId };

    const role = await this.getRole(name);
    if (role) {
      const managed = role.Tags?.some((t) => t.Key === Tag.ManagedBy && t.Value === this.opts.managedBy);
      const mineDev = role.Tags?.some((t) => t.Key === Tag.DeveloperName && t.Value === dev);
      if (!managed || !mineDev || role.PermissionsBoundary?.PermissionsBoundaryArn !== this.opts.boundaryArn) {
        throw foreign(`IAM role ${name} exists but is not this stack's role for ${dev} (tags or permissions boundary differ)`);
      }
      if (!trustsOnlyEc2(role.AssumeRolePolicyDocument)) {
        throw foreign(`IAM role ${name} exists but its trust policy admits more than EC2; fix or delete it`);
      }
      // A role made before this tag existed, or a home access point recreated since: point it at the current one.
      if (!role.Tags?.some((t) => t.Key === homeTag.Key && t.Value === homeTag.Value)) {
        await this.client.send(new TagRoleCommand({ RoleName: name, Tags: [homeTag] }));
      }
    } else {
      await this.ignoreExists(() =>
        this.client.send(
          new CreateRoleCommand({
            RoleName: name,
            Path: this.opts.rolePath,
            AssumeRolePolicyDocument: EC2_TRUST_POLICY,
            PermissionsBoundary: this.opts.boundaryArn,
            Description: `Dev VM instance role of ${dev}`,
            Tags: [...tags, homeTag],
          }),
        ),
      );
    }

    const attached = await this.client.send(new ListAttachedRolePoliciesCommand({ RoleName: name }));
    if (!attached.AttachedPolicies?.some((p) => p.PolicyArn === this.opts.instancePolicyArn)) {
      await this.client.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: this.opts.instancePolicyArn }));
    }

    let profile = await this.getProfile(name);
    if (!profile) {
      await this.ignoreExists(() => this.client.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Path: this.opts.rolePath, Tags: tags })));
      profile = await this.getProfile(name);
    }
    if (!profile?.Arn) throw new Error(`instance profile ${name} not readable after creation`);
    if (!profile.Roles?.some((r) => r.RoleName === name)) {
      if ((profile.Roles?.length ?? 0) > 0) throw foreign(`instance profile ${name} already holds another role`);
      await this.ignoreExists(() => this.client.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name })), 'LimitExceeded');
    }
    return profile.Arn;
  }

  private async getRole(name: string): Promise<Role | undefined> {
    try {
      return (await this.client.send(new GetRoleCommand({ RoleName: name }))).Role;
    } catch (e) {
      if (errorIs(e, 'NoSuchEntity')) return undefined;
      throw e;
    }
  }

  private async getProfile(name: string): Promise<InstanceProfile | undefined> {
    try {
      return (await this.client.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile;
    } catch (e) {
      if (errorIs(e, 'NoSuchEntity')) return undefined;
      throw e;
    }
  }

  /** A parallel request may have created it between our check and our create. */
  private async ignoreExists(fn: () => Promise<unknown>, also?: string): Promise<void> {
    try {
      await fn();
    } catch (e) {
      if (errorIs(e, 'EntityAlreadyExists', ...(also ? [also] : []))) return;
      throw e;
    }
  }
}
