/**
 * Issue 11, item 7: a compromised VM API Lambda is still contained by IAM. Each case is the
 * attacker's request, decided by the IAM simulator against the synthesized stack's policies.
 */
import { HOME_ACCESS_POINT_ROLE_TAG } from '../../infra-cdk/lambda/shared/resource-names';
import { MANAGED_BY } from '../../src/contract/tags';
import { ACCOUNT, decide, type SimRequest } from '../infra/iam-sim';
import { logicalIdOf, resolveTokens } from '../infra/support';
import { instanceArn, instanceProfileArn, roleArn, roleTags, secretArn, stackPrincipals } from './iam-stack';

const { s, vmApi, instanceRole, fileSystemArn } = stackPrincipals();
const API_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/DevVmApiRole/dev-vm-api`;
const ALICE_AP = 'fsap-0aaaaaaaaaaaaaaaa';
const BOB_AP = 'fsap-0bbbbbbbbbbbbbbbb';
const BOUNDARY_ARN = resolveTokens({ Ref: logicalIdOf(s.stack, s.stack.launch.boundary.policy) }, s.json);

/** TagRole on an existing role of the stack (bob's), carrying the given tags. */
const tagBobsRole = (tags: Record<string, string>): SimRequest => ({
  principal: API_SESSION,
  action: 'iam:TagRole',
  resource: roleArn('dev-vm-bob'),
  context: {
    ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
    'aws:TagKeys': Object.keys(tags),
    'aws:ResourceTag/ManagedBy': MANAGED_BY,
    'aws:ResourceTag/DeveloperName': 'bob',
  },
});

const createTags = { DeveloperName: 'carol', ManagedBy: MANAGED_BY, [HOME_ACCESS_POINT_ROLE_TAG]: 'fsap-0ccccccccccccccccc' };
const createContext = {
  ...Object.fromEntries(Object.entries(createTags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
  'aws:TagKeys': Object.keys(createTags),
};

describe('item 7: the VM API role may not re-tag instance roles beyond the home access point', () => {
  it('refuses to re-tag bob\'s role DeveloperName=alice (his VM would read alice\'s secrets)', async () => {
    expect(await decide(vmApi, tagBobsRole({ DeveloperName: 'alice' }))).not.toBe('Allowed');
  });

  it('refuses to re-tag bob\'s role ManagedBy to another value', async () => {
    expect(await decide(vmApi, tagBobsRole({ ManagedBy: 'someone-else' }))).not.toBe('Allowed');
  });

  it('refuses to tag a role that this stack does not manage, even with the home access point key', async () => {
    const { 'aws:ResourceTag/ManagedBy': _m, 'aws:ResourceTag/DeveloperName': _d, ...foreign } = tagBobsRole({ [HOME_ACCESS_POINT_ROLE_TAG]: BOB_AP }).context!;
    expect(await decide(vmApi, { ...tagBobsRole({}), resource: roleArn('dev-vm-foreign'), context: foreign })).not.toBe('Allowed');
  });

  it('still points a managed role at its developer\'s recreated home access point', async () => {
    expect(await decide(vmApi, tagBobsRole({ [HOME_ACCESS_POINT_ROLE_TAG]: BOB_AP }))).toBe('Allowed');
  });

  it('still creates a developer\'s role with its three tags and the boundary (CreateRole and the TagRole of tag-on-create)', async () => {
    const create = { principal: API_SESSION, resource: roleArn('dev-vm-carol') };
    expect(await decide(vmApi, { ...create, action: 'iam:CreateRole', context: { ...createContext, 'iam:PermissionsBoundary': BOUNDARY_ARN } })).toBe('Allowed');
    expect(await decide(vmApi, { ...create, action: 'iam:TagRole', context: createContext })).toBe('Allowed');
  });

  it('refuses to create a role without the boundary, or with extra tag keys', async () => {
    const create = { principal: API_SESSION, resource: roleArn('dev-vm-carol'), action: 'iam:CreateRole' };
    expect(await decide(vmApi, { ...create, context: createContext })).not.toBe('Allowed');
    const extra = { ...createContext, 'aws:RequestTag/Admin': 'true', 'aws:TagKeys': [...Object.keys(createTags), 'Admin'], 'iam:PermissionsBoundary': BOUNDARY_ARN };
    expect(await decide(vmApi, { ...create, context: extra })).not.toBe('Allowed');
  });

  it('may never rewrite a role\'s trust policy (the EC2-only trust the API writes stays)', async () => {
    expect(await decide(vmApi, { principal: API_SESSION, action: 'iam:UpdateAssumeRolePolicy', resource: roleArn('dev-vm-bob') })).not.toBe('Allowed');
  });
});

describe('item 7: an instance-role session with forged tags reads nothing', () => {
  const readAlicesSecret = (context: Record<string, string>): SimRequest => ({
    principal: `arn:aws:sts::${ACCOUNT}:assumed-role/dev-vm-bob/forged`,
    action: 'secretsmanager:GetSecretValue',
    resource: secretArn('db/developer/alice'),
    context: { ...context, 'aws:ResourceTag/DeveloperName': 'alice' },
  });

  it('refuses a session tagged DeveloperName=alice that does not come from an EC2 instance (AssumeRole with session tags)', async () => {
    expect(await decide(instanceRole, readAlicesSecret(roleTags('alice', ALICE_AP)))).not.toBe('Allowed');
  });

  it('refuses such a session the EFS mount of alice\'s home too', async () => {
    const mount: SimRequest = {
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/dev-vm-bob/forged`,
      action: 'elasticfilesystem:ClientMount',
      resource: fileSystemArn,
      context: { ...roleTags('alice', ALICE_AP), 'elasticfilesystem:AccessPointArn': `arn:aws:elasticfilesystem:eu-west-1:${ACCOUNT}:access-point/${ALICE_AP}` },
    };
    expect(await decide(instanceRole, mount)).not.toBe('Allowed');
  });

  it('allows alice\'s own VM (instance-profile credentials carry ec2:SourceInstanceARN)', async () => {
    expect(await decide(instanceRole, readAlicesSecret({ ...roleTags('alice', ALICE_AP), 'ec2:SourceInstanceARN': instanceArn('i-0a11ce0000000000a') }))).toBe('Allowed');
  });
});

describe('item 7: RunInstances binds the instance profile to the DeveloperName request tag', () => {
  const template = s.stack.launch.templates.al2023!;
  const templateArn = `arn:aws:ec2:eu-west-1:${ACCOUNT}:launch-template/${resolveTokens({ Ref: logicalIdOf(s.stack, template) }, s.json)}`;
  const launch = (developer: string, profileOf: string): SimRequest => {
    const tags = { ManagedBy: MANAGED_BY, Environment: 'dev', ClientName: 'acme', DeveloperName: developer, JiraIssue: 'DEV-1' };
    return {
      principal: API_SESSION,
      action: 'ec2:RunInstances',
      resource: instanceArn('i-0new0000000000000'),
      context: {
        ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
        'aws:TagKeys': Object.keys(tags),
        'ec2:LaunchTemplate': templateArn,
        'ec2:InstanceType': 't3.large',
        'ec2:MetadataHttpTokens': 'required',
        'ec2:InstanceProfile': instanceProfileArn(`dev-vm-${profileOf}`),
      },
    };
  };

  it('launches alice\'s VM with alice\'s profile', async () => {
    expect(await decide(vmApi, launch('alice', 'alice'))).toBe('Allowed');
  });

  it('refuses alice\'s tags with bob\'s profile (bob\'s credentials on a VM only alice can open)', async () => {
    expect(await decide(vmApi, launch('alice', 'bob'))).not.toBe('Allowed');
  });

  it('refuses a profile whose name only starts like alice\'s', async () => {
    expect(await decide(vmApi, launch('alice', 'alice2'))).not.toBe('Allowed');
  });
});
