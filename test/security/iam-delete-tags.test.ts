/**
 * Issue 11, item 9: `ec2:DeleteTags` without a `Tags` parameter deletes every tag of the instance,
 * and such a request carries no `aws:TagKeys`, so `ForAllValues:StringNotEquals` on the protected
 * keys holds vacuously. The VM API and the reconciler must not be able to strip ManagedBy,
 * DeveloperName and ClientName that way.
 */
import { MANAGED_BY } from '../../src/contract/tags';
import { ACCOUNT, type Principal, decide, rolePolicies } from '../infra/iam-sim';
import { logicalIdOf } from '../infra/support';
import { instanceArn, stackPrincipals } from './iam-stack';

const { s, vmApi } = stackPrincipals();
const reconciler: Principal = { identity: rolePolicies(s.json, logicalIdOf(s.stack, s.stack.scheduler.reconciler.role!)) };
const managed = { 'ec2:ResourceTag/ManagedBy': MANAGED_BY, 'aws:ResourceTag/ManagedBy': MANAGED_BY };

describe.each<[string, Principal]>([
  ['VM API', vmApi],
  ['reconciler', reconciler],
])('item 9: the %s role and instance tags', (_name, who) => {
  it('may not DeleteTags with no Tags parameter (which removes every tag, ManagedBy included)', async () => {
    expect(await decide(who, { principal: `arn:aws:sts::${ACCOUNT}:assumed-role/r/s`, action: 'ec2:DeleteTags', resource: instanceArn('i-0aaa0000000000000'), context: managed })).not.toBe('Allowed');
  });

  it('may not DeleteTags naming a protected key', async () => {
    expect(await decide(who, { action: 'ec2:DeleteTags', resource: instanceArn('i-0aaa0000000000000'), context: { ...managed, 'aws:TagKeys': ['ScheduleError', 'DeveloperName'] } })).not.toBe('Allowed');
  });

  it('may still delete its own schedule tags', async () => {
    expect(await decide(who, { action: 'ec2:DeleteTags', resource: instanceArn('i-0aaa0000000000000'), context: { ...managed, 'aws:TagKeys': ['ScheduleError'] } })).toBe('Allowed');
  });
});
