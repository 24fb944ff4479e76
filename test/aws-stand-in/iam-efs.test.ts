import {
  AccessPointAlreadyExists,
  AccessPointNotFound,
  CreateAccessPointCommand,
  DeleteAccessPointCommand,
  DescribeAccessPointsCommand,
  EFSClient,
  FileSystemNotFound,
  paginateDescribeAccessPoints,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-efs';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  EntityAlreadyExistsException,
  GetInstanceProfileCommand,
  GetRoleCommand,
  IAMClient,
  LimitExceededException,
  ListAttachedRolePoliciesCommand,
  NoSuchEntityException,
  TagRoleCommand,
} from '@aws-sdk/client-iam';
import { startAwsStandIn, type AwsStandIn } from '../../local/aws';

let aws: AwsStandIn;
let iam: IAMClient;
let efs: EFSClient;
const FS = 'fs-0123456789abcdef0';

beforeAll(async () => {
  aws = await startAwsStandIn({ transitionSeconds: 0, strictResources: true, fileSystems: [FS] });
  iam = new IAMClient({ ...aws.clientConfig(), maxAttempts: 1 });
  efs = new EFSClient({ ...aws.clientConfig(), maxAttempts: 1 });
  // Strict resources: the customer managed policies must exist before a role names them.
  for (const name of ['boundary', 'instance']) await iam.send(new CreatePolicyCommand({ PolicyName: name, Path: '/dev-vm/', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }) }));
});
afterAll(async () => {
  iam.destroy();
  efs.destroy();
  await aws.close();
});

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const BOUNDARY = 'arn:aws:iam::123456789012:policy/dev-vm/boundary';
const POLICY = 'arn:aws:iam::123456789012:policy/dev-vm/instance';

test('with strict resources, a policy nobody created cannot be attached nor used as a boundary', async () => {
  const nope = 'arn:aws:iam::123456789012:policy/dev-vm/dev-vm-instance';
  await expect(iam.send(new CreateRoleCommand({ RoleName: 'dev-vm-nope', AssumeRolePolicyDocument: TRUST, PermissionsBoundary: nope }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
  await iam.send(new CreateRoleCommand({ RoleName: 'dev-vm-nope', AssumeRolePolicyDocument: TRUST }));
  await expect(iam.send(new AttachRolePolicyCommand({ RoleName: 'dev-vm-nope', PolicyArn: nope }))).rejects.toThrow(`Policy ${nope} does not exist or is not attachable.`);
});

test('a missing role is NoSuchEntity; once created it is returned with path, boundary, tags and the URL-encoded trust policy', async () => {
  const missing: unknown = await iam.send(new GetRoleCommand({ RoleName: 'dev-vm-alice' })).catch((e: unknown) => e);
  expect(missing).toBeInstanceOf(NoSuchEntityException);
  expect(missing).toMatchObject({ $metadata: { httpStatusCode: 404 }, Error: { Type: 'Sender', Code: 'NoSuchEntity' } });

  const created = await iam.send(
    new CreateRoleCommand({ RoleName: 'dev-vm-alice', Path: '/dev-vm/', AssumeRolePolicyDocument: TRUST, PermissionsBoundary: BOUNDARY, Tags: [{ Key: 'DeveloperName', Value: 'alice' }] }),
  );
  expect(created.Role?.Arn).toBe('arn:aws:iam::123456789012:role/dev-vm/dev-vm-alice');
  expect(created.Role?.RoleId).toMatch(/^AROA[A-Z0-9]{17}$/);
  const got = await iam.send(new GetRoleCommand({ RoleName: 'dev-vm-alice' }));
  expect(got.Role?.PermissionsBoundary).toEqual({ PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: BOUNDARY });
  expect(got.Role?.Tags).toEqual([{ Key: 'DeveloperName', Value: 'alice' }]);
  expect(got.Role?.CreateDate).toBeInstanceOf(Date);
  expect(JSON.parse(decodeURIComponent(got.Role?.AssumeRolePolicyDocument ?? ''))).toEqual(JSON.parse(TRUST));

  await expect(iam.send(new CreateRoleCommand({ RoleName: 'DEV-VM-ALICE', AssumeRolePolicyDocument: TRUST }))).rejects.toBeInstanceOf(EntityAlreadyExistsException);
});

test('TagRole and AttachRolePolicy update the role; ListAttachedRolePolicies lists them', async () => {
  await iam.send(new CreateRoleCommand({ RoleName: 'dev-vm-bob', Path: '/dev-vm/', AssumeRolePolicyDocument: TRUST }));
  await iam.send(new TagRoleCommand({ RoleName: 'dev-vm-bob', Tags: [{ Key: 'DeveloperName', Value: 'bob' }] }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'dev-vm-bob', PolicyArn: POLICY }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'dev-vm-bob', PolicyArn: POLICY }));
  const listed = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'dev-vm-bob' }));
  expect(listed.AttachedPolicies).toEqual([{ PolicyName: 'instance', PolicyArn: POLICY }]);
  expect(listed.IsTruncated).toBe(false);
  expect(aws.state.roles.get('dev-vm-bob')?.tags.get('DeveloperName')).toBe('bob');
  await expect(iam.send(new AttachRolePolicyCommand({ RoleName: 'nobody', PolicyArn: POLICY }))).rejects.toBeInstanceOf(NoSuchEntityException);
});

test('an instance profile holds one role and RunInstances accepts it', async () => {
  await expect(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'dev-vm-carol' }))).rejects.toBeInstanceOf(NoSuchEntityException);
  await iam.send(new CreateRoleCommand({ RoleName: 'dev-vm-carol', Path: '/dev-vm/', AssumeRolePolicyDocument: TRUST }));
  const created = await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'dev-vm-carol', Path: '/dev-vm/' }));
  await expect(iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'dev-vm-carol', RoleName: 'nobody' }))).rejects.toBeInstanceOf(NoSuchEntityException);
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'dev-vm-carol', RoleName: 'dev-vm-carol' }));
  await expect(iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'dev-vm-carol', RoleName: 'dev-vm-bob' }))).rejects.toBeInstanceOf(LimitExceededException);
  const got = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'dev-vm-carol' }));
  expect(got.InstanceProfile?.Roles?.map((r) => r.RoleName)).toEqual(['dev-vm-carol']);
  expect(got.InstanceProfile?.Arn).toBe('arn:aws:iam::123456789012:instance-profile/dev-vm/dev-vm-carol');

  const ec2 = new EC2Client({ ...aws.clientConfig(), maxAttempts: 1 });
  try {
    const run = await ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, ImageId: 'ami-0123456789abcdef0', IamInstanceProfile: { Arn: created.InstanceProfile?.Arn ?? '' } }));
    expect(run.Instances?.[0]?.IamInstanceProfile?.Arn).toBe(created.InstanceProfile?.Arn);
  } finally {
    ec2.destroy();
  }
});

test('EFS access point round trip: create with POSIX user and root directory, describe by file system', async () => {
  const created = await efs.send(
    new CreateAccessPointCommand({
      ClientToken: 'ap-alice',
      FileSystemId: FS,
      PosixUser: { Uid: 20001, Gid: 20001 },
      RootDirectory: { Path: '/home/alice', CreationInfo: { OwnerUid: 20001, OwnerGid: 20001, Permissions: '0750' } },
      Tags: [{ Key: 'Name', Value: 'home-alice' }, { Key: 'DeveloperName', Value: 'alice' }],
    }),
  );
  expect(created.AccessPointId).toMatch(/^fsap-[0-9a-f]{17}$/);
  expect(created.AccessPointArn).toBe(`arn:aws:elasticfilesystem:eu-west-1:123456789012:access-point/${created.AccessPointId}`);
  expect(created.LifeCycleState).toBe('creating');
  expect(created.Name).toBe('home-alice');

  const described = await efs.send(new DescribeAccessPointsCommand({ FileSystemId: FS }));
  expect(described.AccessPoints).toHaveLength(1);
  expect(described.AccessPoints?.[0]).toMatchObject({
    AccessPointId: created.AccessPointId,
    LifeCycleState: 'available',
    PosixUser: { Uid: 20001, Gid: 20001 },
    RootDirectory: { Path: '/home/alice', CreationInfo: { OwnerUid: 20001, OwnerGid: 20001, Permissions: '0750' } },
  });

  // The same ClientToken again: EFS answers AccessPointAlreadyExists carrying the existing id.
  const again: unknown = await efs.send(new CreateAccessPointCommand({ ClientToken: 'ap-alice', FileSystemId: FS })).catch((e: unknown) => e);
  expect(again).toBeInstanceOf(AccessPointAlreadyExists);
  expect(again).toMatchObject({ AccessPointId: created.AccessPointId, ErrorCode: 'AccessPointAlreadyExists', $metadata: { httpStatusCode: 409 } });

  await expect(efs.send(new CreateAccessPointCommand({ ClientToken: 'x', FileSystemId: 'fs-00000000000000bad' }))).rejects.toBeInstanceOf(FileSystemNotFound);
});

test('DescribeAccessPoints paginates', async () => {
  for (let i = 0; i < 6; i++) await efs.send(new CreateAccessPointCommand({ ClientToken: `page-${i}`, FileSystemId: FS, RootDirectory: { Path: `/home/p${i}` } }));
  const sizes: number[] = [];
  for await (const page of paginateDescribeAccessPoints({ client: efs, pageSize: 3 }, { FileSystemId: FS })) sizes.push(page.AccessPoints?.length ?? 0);
  expect(sizes).toEqual([3, 3, 1]);
});

test('DeleteAccessPoint removes it; deleting or describing it again is AccessPointNotFound', async () => {
  const ap = await efs.send(new CreateAccessPointCommand({ ClientToken: 'to-delete', FileSystemId: FS }));
  const id = ap.AccessPointId ?? '';
  await efs.send(new DeleteAccessPointCommand({ AccessPointId: id }));
  await expect(efs.send(new DeleteAccessPointCommand({ AccessPointId: id }))).rejects.toBeInstanceOf(AccessPointNotFound);
  await expect(efs.send(new DescribeAccessPointsCommand({ AccessPointId: id }))).rejects.toBeInstanceOf(AccessPointNotFound);
});

test('TagResource adds or overwrites keys of an access point and keeps the others, as EFS does; an unknown id is AccessPointNotFound', async () => {
  const ap = await efs.send(new CreateAccessPointCommand({ ClientToken: 'to-tag', FileSystemId: FS, Tags: [{ Key: 'DeveloperName', Value: 'jdoe' }, { Key: 'CostCenter', Value: 'CC-1' }] }));
  const id = ap.AccessPointId ?? '';
  const answer = await efs.send(new TagResourceCommand({ ResourceId: id, Tags: [{ Key: 'CostCenter', Value: 'CC-2' }] }));
  expect(answer.$metadata.httpStatusCode).toBe(200);
  const described = await efs.send(new DescribeAccessPointsCommand({ AccessPointId: id }));
  expect(described.AccessPoints?.[0]?.Tags).toEqual([{ Key: 'DeveloperName', Value: 'jdoe' }, { Key: 'CostCenter', Value: 'CC-2' }]);
  await expect(efs.send(new TagResourceCommand({ ResourceId: 'fsap-0000000000000dead', Tags: [{ Key: 'CostCenter', Value: 'x' }] }))).rejects.toBeInstanceOf(AccessPointNotFound);
});

test('UntagResource removes the named keys of an access point and keeps the others, as EFS does; an unknown id is AccessPointNotFound', async () => {
  const ap = await efs.send(new CreateAccessPointCommand({ ClientToken: 'to-untag', FileSystemId: FS, Tags: [{ Key: 'DeveloperName', Value: 'jdoe' }, { Key: 'CostCenter', Value: 'CC-1' }] }));
  const id = ap.AccessPointId ?? '';
  const answer = await efs.send(new UntagResourceCommand({ ResourceId: id, TagKeys: ['CostCenter'] }));
  expect(answer.$metadata.httpStatusCode).toBe(200);
  const described = await efs.send(new DescribeAccessPointsCommand({ AccessPointId: id }));
  expect(described.AccessPoints?.[0]?.Tags).toEqual([{ Key: 'DeveloperName', Value: 'jdoe' }]);
  await expect(efs.send(new UntagResourceCommand({ ResourceId: 'fsap-0000000000000dead', TagKeys: ['CostCenter'] }))).rejects.toBeInstanceOf(AccessPointNotFound);
});
