import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { ApiError } from '../../../src/contract/errors';
import { IamGateway } from '../../../infra-cdk/lambda/shared/iam';
import { VmApiAws } from '../vm-api/stand-in';

const opts = {
  rolePath: '/dev-vm/',
  instancePolicyArn: 'arn:aws:iam::123456789012:policy/dev-vm-instance',
  boundaryArn: 'arn:aws:iam::123456789012:policy/dev-vm-boundary',
  managedBy: 'dev-vm-for-jira',
};
const AP = 'fsap-0123456789abcdef0';
let aws: VmApiAws;
beforeEach(async () => {
  aws = await VmApiAws.start();
});
afterEach(() => aws.close());
const gateway = () => new IamGateway(aws.iamClient(), opts);
const profileRoles = () => aws.instanceProfiles().get('dev-vm-jdoe')?.roleNames;

describe('developer instance role and profile', () => {
  it('creates role (boundary, tags, policy) and profile once; a second call changes nothing', async () => {
    const arn = await gateway().ensureInstanceProfile('jdoe', AP);
    expect(arn).toBe('arn:aws:iam::123456789012:instance-profile/dev-vm/dev-vm-jdoe');
    expect(profileRoles()).toEqual(['dev-vm-jdoe']);
    expect(await gateway().ensureInstanceProfile('jdoe', AP)).toBe(arn);
    expect(aws.count('CreateRole')).toBe(1);
    expect(aws.count('CreateInstanceProfile')).toBe(1);
    expect(aws.count('AddRoleToInstanceProfile')).toBe(1);
  });

  it('completes a profile left without its role by an interrupted earlier call', async () => {
    await gateway().ensureInstanceProfile('jdoe', AP);
    aws.instanceProfiles().get('dev-vm-jdoe')!.roleNames.splice(0); // the model as the interrupted call left it
    expect(profileRoles()).toEqual([]);
    await gateway().ensureInstanceProfile('jdoe', AP);
    expect(profileRoles()).toEqual(['dev-vm-jdoe']);
  });

  it('tags the role with the developer\'s home access point (the instance policy mounts only that one), and retags a role whose home changed', async () => {
    await gateway().ensureInstanceProfile('jdoe', AP);
    const tagOf = () => aws.roles().get('dev-vm-jdoe')?.tags.get('DevVmHomeAccessPoint');
    expect(tagOf()).toBe(AP);
    await gateway().ensureInstanceProfile('jdoe', AP);
    expect(aws.count('TagRole')).toBe(0);
    await gateway().ensureInstanceProfile('jdoe', 'fsap-0fedcba9876543210');
    expect(tagOf()).toBe('fsap-0fedcba9876543210');
    expect(aws.count('TagRole')).toBe(1);
  });

  it('rejects an access point id that is not one before any IAM call', async () => {
    await expect(gateway().ensureInstanceProfile('jdoe', 'fsap-x*')).rejects.toThrow(/access point/);
    expect(aws.sent).toEqual([]);
  });

  it('refuses to adopt a role of the same name that this stack did not make (409)', async () => {
    // Someone else's role, made through IAM: another path, no tags, no boundary.
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    await aws.iamClient().send(new CreateRoleCommand({ RoleName: 'dev-vm-jdoe', Path: '/', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    aws.forget();
    const err = await gateway().ensureInstanceProfile('jdoe', AP).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(409);
    expect(aws.count('CreateInstanceProfile')).toBe(0);
  });

  it('refuses to adopt a role with the stack\'s tags and boundary whose trust policy admits anyone but EC2 (409), and adopts the EC2-only one', async () => {
    await gateway().ensureInstanceProfile('jdoe', AP);
    const role = aws.roles().get('dev-vm-jdoe')!;
    const ec2Only = role.assumeRolePolicyDocument;
    expect(JSON.parse(ec2Only)).toMatchObject({ Statement: [{ Principal: { Service: 'ec2.amazonaws.com' } }] });
    const widened = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com', AWS: 'arn:aws:iam::123456789012:root' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] };
    // The role's trust policy as someone widened it in the console (the model has no UpdateAssumeRolePolicy).
    aws.roles().set('dev-vm-jdoe', { ...role, assumeRolePolicyDocument: JSON.stringify(widened) });
    const err = await gateway().ensureInstanceProfile('jdoe', AP).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(409);
    aws.roles().set('dev-vm-jdoe', role);
    await expect(gateway().ensureInstanceProfile('jdoe', AP)).resolves.toMatch(/instance-profile\/dev-vm\/dev-vm-jdoe$/);
  });
});
