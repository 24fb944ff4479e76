import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand, IAMClient, TagRoleCommand } from '@aws-sdk/client-iam';
import { ApiError } from '../../../src/contract/errors';
import { IamGateway } from '../../../infra-cdk/lambda/shared/iam';
import { FakeAws, iamMock, NOW } from '../vm-api/fake-aws';

const opts = {
  rolePath: '/dev-vm/',
  instancePolicyArn: 'arn:aws:iam::123456789012:policy/dev-vm-instance',
  boundaryArn: 'arn:aws:iam::123456789012:policy/dev-vm-boundary',
  managedBy: 'dev-vm-for-jira',
};
const AP = 'fsap-0123456789abcdef0';
const gateway = () => new IamGateway(new IAMClient({ region: 'eu-west-1' }), opts);

let aws: FakeAws;
beforeEach(() => {
  aws = new FakeAws();
  aws.install();
});

describe('developer instance role and profile', () => {
  it('creates role (boundary, tags, policy) and profile once; a second call changes nothing', async () => {
    const arn = await gateway().ensureInstanceProfile('jdoe', AP);
    expect(arn).toBe('arn:aws:iam::123456789012:instance-profile/dev-vm/dev-vm-jdoe');
    expect(aws.profiles.get('dev-vm-jdoe')?.Roles?.map((r) => r.RoleName)).toEqual(['dev-vm-jdoe']);
    expect(await gateway().ensureInstanceProfile('jdoe', AP)).toBe(arn);
    expect(iamMock.commandCalls(CreateRoleCommand)).toHaveLength(1);
    expect(iamMock.commandCalls(CreateInstanceProfileCommand)).toHaveLength(1);
    expect(iamMock.commandCalls(AddRoleToInstanceProfileCommand)).toHaveLength(1);
  });

  it('completes a profile left without its role by an interrupted earlier call', async () => {
    await gateway().ensureInstanceProfile('jdoe', AP);
    aws.profiles.get('dev-vm-jdoe')!.Roles = [];
    await gateway().ensureInstanceProfile('jdoe', AP);
    expect(aws.profiles.get('dev-vm-jdoe')?.Roles?.map((r) => r.RoleName)).toEqual(['dev-vm-jdoe']);
  });

  it('tags the role with the developer\'s home access point (the instance policy mounts only that one), and retags a role whose home changed', async () => {
    await gateway().ensureInstanceProfile('jdoe', AP);
    const tagOf = () => aws.roles.get('dev-vm-jdoe')?.Tags?.find((t) => t.Key === 'DevVmHomeAccessPoint')?.Value;
    expect(tagOf()).toBe(AP);
    await gateway().ensureInstanceProfile('jdoe', AP);
    expect(iamMock.commandCalls(TagRoleCommand)).toHaveLength(0);
    await gateway().ensureInstanceProfile('jdoe', 'fsap-0fedcba9876543210');
    expect(tagOf()).toBe('fsap-0fedcba9876543210');
    expect(iamMock.commandCalls(TagRoleCommand)).toHaveLength(1);
  });

  it('rejects an access point id that is not one before any IAM call', async () => {
    await expect(gateway().ensureInstanceProfile('jdoe', 'fsap-x*')).rejects.toThrow(/access point/);
    expect(iamMock.calls()).toHaveLength(0);
  });

  it('refuses to adopt a role of the same name that this stack did not make (409)', async () => {
    aws.roles.set('dev-vm-jdoe', { RoleName: 'dev-vm-jdoe', Path: '/', Arn: 'arn:aws:iam::123456789012:role/dev-vm-jdoe', RoleId: 'AROAX', CreateDate: NOW, Tags: [], policies: [] });
    const err = await gateway().ensureInstanceProfile('jdoe', AP).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(409);
    expect(iamMock.commandCalls(CreateInstanceProfileCommand)).toHaveLength(0);
  });

  it('refuses to adopt a role with the stack\'s tags and boundary whose trust policy admits anyone but EC2 (409), and adopts the EC2-only one', async () => {
    await gateway().ensureInstanceProfile('jdoe', AP);
    const role = aws.roles.get('dev-vm-jdoe')!;
    const ec2Only = role.AssumeRolePolicyDocument;
    expect(JSON.parse(decodeURIComponent(ec2Only!))).toMatchObject({ Statement: [{ Principal: { Service: 'ec2.amazonaws.com' } }] });
    const widened = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com', AWS: 'arn:aws:iam::123456789012:root' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] };
    role.AssumeRolePolicyDocument = encodeURIComponent(JSON.stringify(widened));
    const err = await gateway().ensureInstanceProfile('jdoe', AP).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(409);
    role.AssumeRolePolicyDocument = ec2Only;
    await expect(gateway().ensureInstanceProfile('jdoe', AP)).resolves.toMatch(/instance-profile\/dev-vm\/dev-vm-jdoe$/);
  });
});
