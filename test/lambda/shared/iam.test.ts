import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { ApiError } from '../../../src/contract/errors';
import { IamGateway } from '../../../infra-cdk/lambda/shared/iam';
import { FakeAws, iamMock, NOW } from '../vm-api/fake-aws';

const opts = {
  rolePath: '/dev-vm/',
  instancePolicyArn: 'arn:aws:iam::123456789012:policy/dev-vm-instance',
  boundaryArn: 'arn:aws:iam::123456789012:policy/dev-vm-boundary',
  managedBy: 'dev-vm-for-jira',
};
const gateway = () => new IamGateway(new IAMClient({ region: 'eu-west-1' }), opts);

let aws: FakeAws;
beforeEach(() => {
  aws = new FakeAws();
  aws.install();
});

describe('developer instance role and profile', () => {
  it('creates role (boundary, tags, policy) and profile once; a second call changes nothing', async () => {
    const arn = await gateway().ensureInstanceProfile('jdoe');
    expect(arn).toBe('arn:aws:iam::123456789012:instance-profile/dev-vm/dev-vm-jdoe');
    expect(aws.profiles.get('dev-vm-jdoe')?.Roles?.map((r) => r.RoleName)).toEqual(['dev-vm-jdoe']);
    expect(await gateway().ensureInstanceProfile('jdoe')).toBe(arn);
    expect(iamMock.commandCalls(CreateRoleCommand)).toHaveLength(1);
    expect(iamMock.commandCalls(CreateInstanceProfileCommand)).toHaveLength(1);
    expect(iamMock.commandCalls(AddRoleToInstanceProfileCommand)).toHaveLength(1);
  });

  it('completes a profile left without its role by an interrupted earlier call', async () => {
    await gateway().ensureInstanceProfile('jdoe');
    aws.profiles.get('dev-vm-jdoe')!.Roles = [];
    await gateway().ensureInstanceProfile('jdoe');
    expect(aws.profiles.get('dev-vm-jdoe')?.Roles?.map((r) => r.RoleName)).toEqual(['dev-vm-jdoe']);
  });

  it('refuses to adopt a role of the same name that this stack did not make (409)', async () => {
    aws.roles.set('dev-vm-jdoe', { RoleName: 'dev-vm-jdoe', Path: '/', Arn: 'arn:aws:iam::123456789012:role/dev-vm-jdoe', RoleId: 'AROAX', CreateDate: NOW, Tags: [], policies: [] });
    const err = await gateway().ensureInstanceProfile('jdoe').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(409);
    expect(iamMock.commandCalls(CreateInstanceProfileCommand)).toHaveLength(0);
  });
});
