import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type Filter,
  type Instance,
} from '@aws-sdk/client-ec2';
import { CreateAccessPointCommand, DeleteAccessPointCommand, DescribeAccessPointsCommand, EFSClient, type AccessPointDescription } from '@aws-sdk/client-efs';
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  TagRoleCommand,
  NoSuchEntityException,
  type InstanceProfile,
  type Role,
} from '@aws-sdk/client-iam';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { Logger } from '@aws-lambda-powertools/logger';
import { Ec2Gateway } from '../../../infra-cdk/lambda/shared/ec2';
import { EfsGateway } from '../../../infra-cdk/lambda/shared/efs';
import { loadEnv, VmApiEnv } from '../../../infra-cdk/lambda/shared/env';
import { IamGateway } from '../../../infra-cdk/lambda/shared/iam';
import type { DeveloperDatabases, VmApiDeps } from '../../../infra-cdk/lambda/vm-api/deps';
import { matchesFilters, type FilterableInstance } from '../../../local/aws/ec2-filters';
import type { InstanceStateName } from '../../../local/aws/state';
import { ENV, NOW } from './support';

export { captureOutput, event, FakeDatabases, NOW, VM_TAGS } from './support';

/**
 * Stateful fakes over aws-sdk-client-mock: EC2, EFS and IAM keep what was created, so a retry
 * sees the leftovers of an earlier attempt exactly as it would on AWS.
 */



export const ec2Mock = mockClient(EC2Client);
export const efsMock = mockClient(EFSClient);
export const iamMock = mockClient(IAMClient);

export function ec2Error(code: string, message: string, status = 400): EC2ServiceException {
  return new EC2ServiceException({ name: code, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message });
}

/** DescribeInstances filtering is the local platform's one implementation (local/aws/ec2-filters.ts). */
function matches(instance: Instance, filters: Filter[] | undefined, token: Map<string, string>): boolean {
  const id = instance.InstanceId ?? '';
  const view: FilterableInstance = {
    instanceId: id,
    state: (instance.State?.Name ?? 'pending') as InstanceStateName,
    tags: new Map((instance.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    ...(instance.InstanceType ? { instanceType: instance.InstanceType } : {}),
    ...(token.has(id) ? { clientToken: token.get(id) } : {}),
  };
  return matchesFilters(view, (filters ?? []).map((f) => ({ name: f.Name ?? '', values: f.Values ?? [] })));
}

export class FakeAws {
  instances: Instance[] = [];
  clientTokens = new Map<string, string>();
  accessPoints: AccessPointDescription[] = [];
  roles = new Map<string, Role & { policies: string[] }>();
  profiles = new Map<string, InstanceProfile>();
  /** Errors the next RunInstances calls throw, in order, before the fake launches again. */
  runFailures: Error[] = [];
  private seq = 0;

  install(): void {
    ec2Mock.reset();
    efsMock.reset();
    iamMock.reset();

    ec2Mock.on(DescribeInstancesCommand).callsFake((input) => {
      let found = this.instances;
      if (input.InstanceIds) {
        found = found.filter((i) => input.InstanceIds.includes(i.InstanceId));
        if (found.length === 0) throw ec2Error('InvalidInstanceID.NotFound', `The instance ID '${input.InstanceIds[0]}' does not exist`);
      }
      found = found.filter((i) => matches(i, input.Filters, this.clientTokens));
      return { Reservations: found.length ? [{ Instances: found }] : [] };
    });
    ec2Mock.on(RunInstancesCommand).callsFake((input) => {
      const failure = this.runFailures.shift();
      if (failure) throw failure;
      const id = `i-0${(++this.seq).toString(16).padStart(16, '0')}`;
      const tags = input.TagSpecifications?.find((t: { ResourceType: string }) => t.ResourceType === 'instance')?.Tags ?? [];
      const instance: Instance = {
        InstanceId: id,
        InstanceType: input.InstanceType,
        ImageId: 'ami-0123456789abcdef0',
        PrivateIpAddress: `10.0.1.${this.seq}`,
        LaunchTime: NOW,
        State: { Name: 'pending', Code: 0 },
        Tags: tags,
      };
      this.instances.push(instance);
      this.clientTokens.set(id, input.ClientToken);
      // Like EC2, the answer has no tags in it.
      return { Instances: [{ ...instance, Tags: undefined }] };
    });
    const transition = (list: 'StartingInstances' | 'StoppingInstances' | 'TerminatingInstances', to: 'pending' | 'stopping' | 'shutting-down') =>
      (input: { InstanceIds: string[] }) => {
        const inst = this.instances.find((i) => i.InstanceId === input.InstanceIds[0]);
        if (!inst) throw ec2Error('InvalidInstanceID.NotFound', 'no such instance');
        const previous = inst.State;
        inst.State = { Name: to, Code: 0 };
        return { [list]: [{ InstanceId: inst.InstanceId, PreviousState: previous, CurrentState: inst.State }] };
      };
    ec2Mock.on(StartInstancesCommand).callsFake(transition('StartingInstances', 'pending'));
    ec2Mock.on(StopInstancesCommand).callsFake(transition('StoppingInstances', 'stopping'));
    ec2Mock.on(TerminateInstancesCommand).callsFake(transition('TerminatingInstances', 'shutting-down'));
    ec2Mock.on(CreateTagsCommand).callsFake((input) => {
      for (const inst of this.instances.filter((i) => input.Resources.includes(i.InstanceId))) {
        const map = new Map((inst.Tags ?? []).map((t) => [t.Key, t.Value]));
        for (const t of input.Tags) map.set(t.Key, t.Value);
        inst.Tags = [...map].map(([Key, Value]) => ({ Key, Value }));
      }
      return {};
    });
    ec2Mock.on(DeleteTagsCommand).callsFake((input) => {
      for (const inst of this.instances.filter((i) => input.Resources.includes(i.InstanceId))) {
        const drop = new Set((input.Tags ?? []).map((t: { Key: string }) => t.Key));
        inst.Tags = (inst.Tags ?? []).filter((t) => !drop.has(t.Key));
      }
      return {};
    });

    efsMock.on(DescribeAccessPointsCommand).callsFake(() => ({ AccessPoints: this.accessPoints }));
    efsMock.on(CreateAccessPointCommand).callsFake((input) => {
      const existing = this.accessPoints.find((ap) => ap.ClientToken === input.ClientToken);
      if (existing) return existing;
      const ap: AccessPointDescription = {
        AccessPointId: `fsap-0${(++this.seq).toString(16).padStart(16, '0')}`,
        ClientToken: input.ClientToken,
        FileSystemId: input.FileSystemId,
        PosixUser: input.PosixUser,
        RootDirectory: input.RootDirectory,
        Tags: input.Tags,
        LifeCycleState: 'available',
      };
      this.accessPoints.push(ap);
      return ap;
    });
    efsMock.on(DeleteAccessPointCommand).callsFake((input) => {
      this.accessPoints = this.accessPoints.filter((ap) => ap.AccessPointId !== input.AccessPointId);
      return {};
    });

    const noSuch = (what: string) => new NoSuchEntityException({ $metadata: { httpStatusCode: 404 }, message: `${what} not found` });
    iamMock.on(GetRoleCommand).callsFake((input) => {
      const role = this.roles.get(input.RoleName);
      if (!role) throw noSuch(`role ${input.RoleName}`);
      return { Role: role };
    });
    iamMock.on(CreateRoleCommand).callsFake((input) => {
      const role = {
        RoleName: input.RoleName,
        Path: input.Path,
        Arn: `arn:aws:iam::123456789012:role${input.Path}${input.RoleName}`,
        RoleId: 'AROAEXAMPLE',
        CreateDate: NOW,
        Tags: input.Tags,
        // GetRole returns the trust policy URL-encoded (IAM API Reference, Role data type).
        AssumeRolePolicyDocument: encodeURIComponent(input.AssumeRolePolicyDocument ?? ''),
        PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy' as const, PermissionsBoundaryArn: input.PermissionsBoundary },
        policies: [] as string[],
      };
      this.roles.set(input.RoleName, role);
      return { Role: role };
    });
    iamMock.on(TagRoleCommand).callsFake((input) => {
      const role = this.roles.get(input.RoleName);
      if (!role) throw noSuch(`role ${input.RoleName}`);
      const tags = new Map((role.Tags ?? []).map((t) => [t.Key, t.Value]));
      for (const t of input.Tags ?? []) tags.set(t.Key, t.Value);
      role.Tags = [...tags].map(([Key, Value]) => ({ Key, Value }));
      return {};
    });
    iamMock.on(ListAttachedRolePoliciesCommand).callsFake((input) => ({
      AttachedPolicies: (this.roles.get(input.RoleName)?.policies ?? []).map((PolicyArn) => ({ PolicyArn })),
    }));
    iamMock.on(AttachRolePolicyCommand).callsFake((input) => {
      const role = this.roles.get(input.RoleName);
      if (!role) throw noSuch('role');
      if (!role.policies.includes(input.PolicyArn)) role.policies.push(input.PolicyArn);
      return {};
    });
    iamMock.on(GetInstanceProfileCommand).callsFake((input) => {
      const p = this.profiles.get(input.InstanceProfileName);
      if (!p) throw noSuch('instance profile');
      return { InstanceProfile: p };
    });
    iamMock.on(CreateInstanceProfileCommand).callsFake((input) => {
      const p: InstanceProfile = {
        InstanceProfileName: input.InstanceProfileName,
        Path: input.Path,
        Arn: `arn:aws:iam::123456789012:instance-profile${input.Path}${input.InstanceProfileName}`,
        InstanceProfileId: 'AIPAEXAMPLE',
        CreateDate: NOW,
        Roles: [],
        Tags: input.Tags,
      };
      this.profiles.set(input.InstanceProfileName, p);
      return { InstanceProfile: p };
    });
    iamMock.on(AddRoleToInstanceProfileCommand).callsFake((input) => {
      const p = this.profiles.get(input.InstanceProfileName);
      const r = this.roles.get(input.RoleName);
      if (!p || !r) throw noSuch('profile or role');
      p.Roles = [r];
      return {};
    });
  }

  /** A managed instance as if launched earlier by the API. */
  seedInstance(tags: Record<string, string>, extra: Partial<Instance> = {}): Instance {
    const id = `i-0${(++this.seq).toString(16).padStart(16, '0')}`;
    const inst: Instance = {
      InstanceId: id,
      InstanceType: 't3.large',
      ImageId: 'ami-0123456789abcdef0',
      PrivateIpAddress: '10.0.2.10',
      LaunchTime: NOW,
      State: { Name: 'running', Code: 16 },
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      ...extra,
    };
    this.instances.push(inst);
    return inst;
  }
}

export function makeDeps(db: DeveloperDatabases, overrides: Partial<VmApiDeps> = {}): VmApiDeps & { sleeps: number[] } {
  const env = loadEnv(VmApiEnv, ENV);
  const sleeps: number[] = [];
  return {
    env,
    ec2: new Ec2Gateway(new EC2Client({ region: 'eu-west-1' }), env.MANAGED_BY),
    efs: async () => new EfsGateway(new EFSClient({ region: 'eu-west-1' }), { fileSystemId: env.EFS_FILE_SYSTEM_ID, managedBy: env.MANAGED_BY, uidBase: env.UID_BASE }),
    iam: async () =>
      new IamGateway(new IAMClient({ region: 'eu-west-1' }), {
        rolePath: env.INSTANCE_ROLE_PATH,
        instancePolicyArn: env.INSTANCE_POLICY_ARN,
        boundaryArn: env.INSTANCE_BOUNDARY_ARN,
        managedBy: env.MANAGED_BY,
      }),
    databases: async () => db,
    logger: new Logger({ serviceName: 'vm-api-test' }),
    now: () => NOW,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    sleeps,
    ...overrides,
  };
}


