/**
 * Issue 13: the admin's idle and stop rules live in one SSM parameter. The VM API may write that
 * parameter and no other (not the notifier's web trigger URL, not an AMI parameter, not another
 * stack's); the reconciler may read it and write none. Performed against the synthesized stack.
 */
import { ACCOUNT, REGION, type Principal, decide, rolePolicies } from '../infra/iam-sim';
import { logicalIdOf } from '../infra/support';
import { stackPrincipals } from './iam-stack';

const { s, vmApi, instanceRole } = stackPrincipals();
const reconciler: Principal = { identity: rolePolicies(s.json, logicalIdOf(s.stack, s.stack.scheduler.reconciler.role!)) };
const parameter = (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${name}`;
const POLICY = parameter('dev-vm/idle-policy');

describe('the idle policy parameter', () => {
  it('the VM API may write it (PUT /policy), the reconciler may read it', async () => {
    expect(await decide(vmApi, { action: 'ssm:PutParameter', resource: POLICY })).toBe('Allowed');
    expect(await decide(reconciler, { action: 'ssm:GetParameter', resource: POLICY })).toBe('Allowed');
  });

  it.each(['dev-vm/webtrigger-url', 'dev-vm/idle-policy-2', 'other-stack/idle-policy', 'aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64'])('the VM API may not write %s', async (name) => {
    expect(await decide(vmApi, { action: 'ssm:PutParameter', resource: parameter(name) })).not.toBe('Allowed');
  });

  it('the reconciler may not write it, nor read the web trigger URL or other parameters', async () => {
    expect(await decide(reconciler, { action: 'ssm:PutParameter', resource: POLICY })).not.toBe('Allowed');
    expect(await decide(reconciler, { action: 'ssm:GetParameter', resource: parameter('dev-vm/webtrigger-url') })).not.toBe('Allowed');
    expect(await decide(reconciler, { action: 'ssm:GetParameter', resource: parameter('dev-vm/idle-policy-old') })).not.toBe('Allowed');
  });

  it('neither may delete it', async () => {
    expect(await decide(vmApi, { action: 'ssm:DeleteParameter', resource: POLICY })).not.toBe('Allowed');
    expect(await decide(reconciler, { action: 'ssm:DeleteParameter', resource: POLICY })).not.toBe('Allowed');
  });

  it('a developer on their VM (the instance role) may neither write nor read it', async () => {
    // Review attack: a hostile developer switching idle stop off or stretching idleDays fleet-wide.
    const fromInstance = { 'ec2:SourceInstanceARN': `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0aaa0000000000000`, 'aws:PrincipalTag/DeveloperName': 'jdoe' };
    expect(await decide(instanceRole, { action: 'ssm:PutParameter', resource: POLICY, context: fromInstance })).not.toBe('Allowed');
    expect(await decide(instanceRole, { action: 'ssm:GetParameter', resource: POLICY, context: fromInstance })).not.toBe('Allowed');
  });
});
