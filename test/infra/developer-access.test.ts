import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DeveloperAccessPolicy, SHELL_DOCUMENT } from '../../infra-cdk/lib/iam/developer-access';
import { MANAGED_BY } from '../../src/contract/tags';
import { evaluate, evaluateAll, type PolicyStatement, type Request } from './iam-evaluator';
import { resolveTokens, type TemplateJson } from './support';

// The developer policy as synthesized (tokens resolved to account 111122223333, partition aws),
// then evaluated like IAM would for a developer "jdoe" who carries the principal tag DeveloperName=jdoe.
const stack = new Stack(new App(), 'DevAccess');
const access = new DeveloperAccessPolicy(stack, 'DeveloperAccess', { managedBy: MANAGED_BY });
const json = Template.fromStack(stack).toJSON() as TemplateJson;
const raw = json.Resources[stack.getLogicalId(access.policy.node.defaultChild as never)]!.Properties!.PolicyDocument as {
  Statement: (Omit<PolicyStatement, 'Resource'> & { Resource: unknown })[];
};
const statements: PolicyStatement[] = raw.Statement.map((st) => ({
  ...st,
  Resource: (Array.isArray(st.Resource) ? st.Resource : [st.Resource]).map((r) => resolveTokens(r, json)),
}));

const REGION = 'eu-west-1';
const instance = (id: string) => `arn:aws:ec2:${REGION}:111122223333:instance/${id}`;
const documentArn = (name: string) => `arn:aws:ssm:${REGION}:111122223333:document/${name}`;
const session = (id: string) => `arn:aws:ssm:${REGION}:111122223333:session/${id}`;
const jdoe = { 'aws:PrincipalTag/DeveloperName': 'jdoe', 'aws:username': 'jdoe', 'aws:userid': 'AIDAJDOE', 'ssm:SessionDocumentAccessCheck': 'true' };

/**
 * `aws ssm start-session --target <instance> [--document-name <doc>]`: two resources authorised.
 * The target carries this stack's ManagedBy tag unless `managedBy` says otherwise (null: no tag).
 */
function startSession(target: { id: string; developerTag?: string; managedBy?: string | null }, caller: Record<string, string>, document = SHELL_DOCUMENT): Request[] {
  const tags: Record<string, string> = target.developerTag === undefined ? {} : { 'ssm:resourceTag/DeveloperName': target.developerTag };
  const managedBy = target.managedBy === undefined ? MANAGED_BY : target.managedBy;
  if (managedBy !== null) tags['ssm:resourceTag/ManagedBy'] = managedBy;
  return [
    { action: 'ssm:StartSession', resource: instance(target.id), context: { ...caller, ...tags } },
    { action: 'ssm:StartSession', resource: documentArn(document), context: caller },
  ];
}

describe('developer access policy, evaluated', () => {
  it.each<[string, Request[], string]>([
    ['jdoe opens a shell on her own VM', startSession({ id: 'i-0aaa', developerTag: 'jdoe' }, jdoe), 'Allow'],
    ['jdoe on asmith\'s VM', startSession({ id: 'i-0bbb', developerTag: 'asmith' }, jdoe), 'ImplicitDeny'],
    ['jdoe on an instance named for her that this stack does not manage (no ManagedBy tag)', startSession({ id: 'i-0eee', developerTag: 'jdoe', managedBy: null }, jdoe), 'ImplicitDeny'],
    ['jdoe on an instance named for her that another stack manages', startSession({ id: 'i-0fff', developerTag: 'jdoe', managedBy: 'other-tool' }, jdoe), 'ImplicitDeny'],
    ['jdoe on an instance named for her whose ManagedBy differs only in case', startSession({ id: 'i-0fff', developerTag: 'jdoe', managedBy: MANAGED_BY.toUpperCase() }, jdoe), 'ImplicitDeny'],
    ['jdoe on an instance without a DeveloperName tag', startSession({ id: 'i-0ccc' }, jdoe), 'ImplicitDeny'],
    ['a caller without the DeveloperName principal tag', startSession({ id: 'i-0aaa', developerTag: 'jdoe' }, { 'aws:username': 'jdoe' }), 'ImplicitDeny'],
    ['a caller tagged with an empty name on an instance tagged empty', startSession({ id: 'i-0ddd', developerTag: '' }, { ...jdoe, 'aws:PrincipalTag/DeveloperName': '' }), 'ImplicitDeny'],
    ['jdoe with the port-forwarding document on her own VM', startSession({ id: 'i-0aaa', developerTag: 'jdoe' }, jdoe, 'AWS-StartPortForwardingSession'), 'ImplicitDeny'],
    ['jdoe with a shell-command document on her own VM', startSession({ id: 'i-0aaa', developerTag: 'jdoe' }, jdoe, 'AWS-StartInteractiveCommand'), 'ImplicitDeny'],
  ])('%s → %s', (_case, requests, expected) => {
    expect(evaluateAll(statements, requests)).toBe(expected);
  });

  it.each<[string, Request, string]>([
    ['terminates her own session', { action: 'ssm:TerminateSession', resource: session('jdoe-0a1b2c3d4e'), context: jdoe }, 'Allow'],
    ['resumes her own session', { action: 'ssm:ResumeSession', resource: session('jdoe-0a1b2c3d4e'), context: jdoe }, 'Allow'],
    ['terminates asmith\'s session', { action: 'ssm:TerminateSession', resource: session('asmith-0a1b2c3d4e'), context: jdoe }, 'ImplicitDeny'],
    ['lists instances', { action: 'ec2:DescribeInstances', resource: '*', context: jdoe }, 'Allow'],
    ['terminates her own VM', { action: 'ec2:TerminateInstances', resource: instance('i-0aaa'), context: { ...jdoe, 'ec2:ResourceTag/DeveloperName': 'jdoe' } }, 'ImplicitDeny'],
    ['stops her own VM', { action: 'ec2:StopInstances', resource: instance('i-0aaa'), context: jdoe }, 'ImplicitDeny'],
    ['launches a VM', { action: 'ec2:RunInstances', resource: instance('*'), context: jdoe }, 'ImplicitDeny'],
    ['sends a command', { action: 'ssm:SendCommand', resource: instance('i-0aaa'), context: { ...jdoe, 'ssm:resourceTag/DeveloperName': 'jdoe' } }, 'ImplicitDeny'],
  ])('jdoe %s → %s', (_case, request, expected) => {
    expect(evaluate(statements, request)).toBe(expected);
  });

  it('follows the managedBy flag: with another value, only VMs tagged with that value are reachable', () => {
    const other = new Stack(new App(), 'DevAccessOther');
    const custom = new DeveloperAccessPolicy(other, 'DeveloperAccess', { managedBy: 'team-a-dev-vms' });
    const doc = Template.fromStack(other).toJSON() as TemplateJson;
    const sts = (doc.Resources[other.getLogicalId(custom.policy.node.defaultChild as never)]!.Properties!.PolicyDocument as { Statement: PolicyStatement[] }).Statement.map(
      (st) => ({ ...st, Resource: (Array.isArray(st.Resource) ? st.Resource : [st.Resource]).map((r) => resolveTokens(r, doc)) }),
    );
    expect(evaluateAll(sts, startSession({ id: 'i-0aaa', developerTag: 'jdoe', managedBy: 'team-a-dev-vms' }, jdoe))).toBe('Allow');
    expect(evaluateAll(sts, startSession({ id: 'i-0aaa', developerTag: 'jdoe' }, jdoe))).toBe('ImplicitDeny');
  });

  it('the evaluator itself denies explicitly when a Deny applies (so Allow above is not a default)', () => {
    const deny: PolicyStatement = { Effect: 'Deny', Action: 'ssm:StartSession', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalTag/Team': 'dev' } } };
    expect(evaluateAll([...statements, deny], startSession({ id: 'i-0aaa', developerTag: 'jdoe' }, jdoe))).toBe('ExplicitDeny');
    expect(evaluateAll([...statements, deny], startSession({ id: 'i-0aaa', developerTag: 'jdoe' }, { ...jdoe, 'aws:PrincipalTag/Team': 'dev' }))).toBe('Allow');
  });
});
