import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DeveloperAccessPolicy, SHELL_DOCUMENT } from '../../infra-cdk/lib/iam/developer-access';
import { MANAGED_BY } from '../../src/contract/tags';
import { ACCOUNT, decide, decideAll, type Decision, type PolicyDocument, policyDocument, type SimRequest } from './iam-sim';
import type { TemplateJson } from './support';

// The developer policy as synthesized (tokens resolved to account 111122223333, partition aws),
// then decided by the IAM simulator (iam-sim.ts) for a developer "jdoe" who carries the principal tag DeveloperName=jdoe.
const stack = new Stack(new App(), 'DevAccess');
const access = new DeveloperAccessPolicy(stack, 'DeveloperAccess', { managedBy: MANAGED_BY });
const json = Template.fromStack(stack).toJSON() as TemplateJson;
const developer = { identity: [policyDocument(json, stack.getLogicalId(access.policy.node.defaultChild as never))] };

const REGION = 'eu-west-1';
const instance = (id: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${id}`;
const documentArn = (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:document/${name}`;
const session = (id: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:session/${id}`;
const JDOE_ARN = `arn:aws:iam::${ACCOUNT}:user/jdoe`;
const jdoe = { 'aws:PrincipalTag/DeveloperName': 'jdoe', 'aws:username': 'jdoe', 'aws:userid': 'AIDAJDOE' };
/** Session Manager tags each session with its creator's aws:userid (see developer-access.ts). */
const sessionOf = (userid: string) => ({ 'ssm:resourceTag/aws:ssmmessages:session-id': userid });

/**
 * `aws ssm start-session --target <instance> [--document-name <doc>]`: two resources authorised.
 * The target carries this stack's ManagedBy tag unless `managedBy` says otherwise (null: no tag).
 */
function startSession(target: { id: string; developerTag?: string; managedBy?: string | null }, caller: Record<string, string>, document = SHELL_DOCUMENT): SimRequest[] {
  const tags: Record<string, string> = target.developerTag === undefined ? {} : { 'ssm:resourceTag/DeveloperName': target.developerTag };
  const managedBy = target.managedBy === undefined ? MANAGED_BY : target.managedBy;
  if (managedBy !== null) tags['ssm:resourceTag/ManagedBy'] = managedBy;
  return [
    { principal: JDOE_ARN, action: 'ssm:StartSession', resource: instance(target.id), context: { ...caller, ...tags, 'ssm:SessionDocumentAccessCheck': 'true' } },
    { principal: JDOE_ARN, action: 'ssm:StartSession', resource: documentArn(document), context: caller },
  ];
}

describe('developer access policy, evaluated', () => {
  it.each<[string, SimRequest[], Decision]>([
    ['jdoe opens a shell on her own VM', startSession({ id: 'i-0aaa', developerTag: 'jdoe' }, jdoe), 'Allowed'],
    ['jdoe on asmith\'s VM', startSession({ id: 'i-0bbb', developerTag: 'asmith' }, jdoe), 'ImplicitlyDenied'],
    ['jdoe on an instance named for her that this stack does not manage (no ManagedBy tag)', startSession({ id: 'i-0eee', developerTag: 'jdoe', managedBy: null }, jdoe), 'ImplicitlyDenied'],
    ['jdoe on an instance named for her that another stack manages', startSession({ id: 'i-0fff', developerTag: 'jdoe', managedBy: 'other-tool' }, jdoe), 'ImplicitlyDenied'],
    ['jdoe on an instance named for her whose ManagedBy differs only in case', startSession({ id: 'i-0fff', developerTag: 'jdoe', managedBy: MANAGED_BY.toUpperCase() }, jdoe), 'ImplicitlyDenied'],
    ['jdoe on an instance without a DeveloperName tag', startSession({ id: 'i-0ccc' }, jdoe), 'ImplicitlyDenied'],
    ['a caller without the DeveloperName principal tag', startSession({ id: 'i-0aaa', developerTag: 'jdoe' }, { 'aws:username': 'jdoe' }), 'ImplicitlyDenied'],
    ['a caller tagged with an empty name on an instance tagged empty', startSession({ id: 'i-0ddd', developerTag: '' }, { ...jdoe, 'aws:PrincipalTag/DeveloperName': '' }), 'ImplicitlyDenied'],
    ['jdoe with the port-forwarding document on her own VM', startSession({ id: 'i-0aaa', developerTag: 'jdoe' }, jdoe, 'AWS-StartPortForwardingSession'), 'ImplicitlyDenied'],
    ['jdoe with a shell-command document on her own VM', startSession({ id: 'i-0aaa', developerTag: 'jdoe' }, jdoe, 'AWS-StartInteractiveCommand'), 'ImplicitlyDenied'],
  ])('%s → %s', async (_case, requests, expected) => {
    expect(await decideAll(developer, requests)).toBe(expected);
  });

  it.each<[string, SimRequest, Decision]>([
    ['terminates her own session', { action: 'ssm:TerminateSession', resource: session('jdoe-0a1b2c3d4e'), context: { ...jdoe, ...sessionOf('AIDAJDOE') } }, 'Allowed'],
    ['resumes her own session', { action: 'ssm:ResumeSession', resource: session('jdoe-0a1b2c3d4e'), context: { ...jdoe, ...sessionOf('AIDAJDOE') } }, 'Allowed'],
    ['terminates asmith\'s session', { action: 'ssm:TerminateSession', resource: session('asmith-0a1b2c3d4e'), context: { ...jdoe, ...sessionOf('AIDAASMITH') } }, 'ImplicitlyDenied'],
    ['lists instances', { action: 'ec2:DescribeInstances', resource: '*', context: jdoe }, 'Allowed'],
    ['terminates her own VM', { action: 'ec2:TerminateInstances', resource: instance('i-0aaa'), context: { ...jdoe, 'ec2:ResourceTag/DeveloperName': 'jdoe' } }, 'ImplicitlyDenied'],
    ['stops her own VM', { action: 'ec2:StopInstances', resource: instance('i-0aaa'), context: jdoe }, 'ImplicitlyDenied'],
    ['launches a VM', { action: 'ec2:RunInstances', resource: instance('i-0new'), context: jdoe }, 'ImplicitlyDenied'],
    ['sends a command', { action: 'ssm:SendCommand', resource: instance('i-0aaa'), context: { ...jdoe, 'ssm:resourceTag/DeveloperName': 'jdoe' } }, 'ImplicitlyDenied'],
  ])('jdoe %s', async (_case, request, expected) => {
    expect(await decide(developer, { principal: JDOE_ARN, ...request })).toBe(expected);
  });

  it('follows the managedBy flag: with another value, only VMs tagged with that value are reachable', async () => {
    const other = new Stack(new App(), 'DevAccessOther');
    const custom = new DeveloperAccessPolicy(other, 'DeveloperAccess', { managedBy: 'team-a-dev-vms' });
    const doc = Template.fromStack(other).toJSON() as TemplateJson;
    const teamA = { identity: [policyDocument(doc, other.getLogicalId(custom.policy.node.defaultChild as never))] };
    expect(await decideAll(teamA, startSession({ id: 'i-0aaa', developerTag: 'jdoe', managedBy: 'team-a-dev-vms' }, jdoe))).toBe('Allowed');
    expect(await decideAll(teamA, startSession({ id: 'i-0aaa', developerTag: 'jdoe' }, jdoe))).toBe('ImplicitlyDenied');
  });

  it('the simulator denies explicitly when a Deny applies (so Allowed above is not a default)', async () => {
    const deny: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'ssm:StartSession', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalTag/Team': 'dev' } } }] };
    const withDeny = { identity: [...developer.identity, deny] };
    expect(await decideAll(withDeny, startSession({ id: 'i-0aaa', developerTag: 'jdoe' }, jdoe))).toBe('ExplicitlyDenied');
    expect(await decideAll(withDeny, startSession({ id: 'i-0aaa', developerTag: 'jdoe' }, { ...jdoe, 'aws:PrincipalTag/Team': 'dev' }))).toBe('Allowed');
  });
});
