/**
 * Issue 13, item 5: a VM signals the end of its first boot by writing its DevVmBootStatus tag.
 * The instance role may write that tag, and only that tag, on instances of its own developer
 * managed by this stack; every other tag write (identity tags, schedule tags, another developer's
 * VM, a call without instance credentials) is refused, by the policy and by the boundary.
 */
import { MANAGED_BY, Tag } from '../../src/contract/tags';
import { ACCOUNT, decide } from '../infra/iam-sim';
import { instanceArn, roleTags, stackPrincipals } from './iam-stack';

const { instanceRole } = stackPrincipals();
const OWN = 'i-0aaa0000000000000';
const OTHER = 'i-0bbb0000000000000';
const session = `arn:aws:sts::${ACCOUNT}:assumed-role/dev-vm-jdoe/${OWN}`;
const fromInstance = { ...roleTags('jdoe', 'fsap-0123456789abcdef0'), 'ec2:SourceInstanceARN': instanceArn(OWN) };
const resourceTags = (managedBy: string, developer: string) => ({
  'ec2:ResourceTag/ManagedBy': managedBy,
  'aws:ResourceTag/ManagedBy': managedBy,
  'ec2:ResourceTag/DeveloperName': developer,
  'aws:ResourceTag/DeveloperName': developer,
});
const jdoeInstance = resourceTags(MANAGED_BY, 'jdoe');
const tagWrite = (instanceId: string, resourceTags: Record<string, string>, tags: Record<string, string>, context: Record<string, string | string[]> = fromInstance) =>
  decide(instanceRole, {
    principal: session,
    action: 'ec2:CreateTags',
    resource: instanceArn(instanceId),
    context: { ...context, ...resourceTags, 'aws:TagKeys': Object.keys(tags), ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])) },
  });

describe('the instance role and the boot status tag', () => {
  it('may write DevVmBootStatus on its own developer\'s instance (the ready signal)', async () => {
    expect(await tagWrite(OWN, jdoeInstance, { [Tag.BootStatus]: 'ready' })).toBe('Allowed');
    expect(await tagWrite(OWN, jdoeInstance, { [Tag.BootStatus]: 'failed:home' })).toBe('Allowed');
  });

  it('may not write it on another developer\'s instance (a false "ready" for a colleague)', async () => {
    expect(await tagWrite(OTHER, resourceTags(MANAGED_BY, 'asmith'), { [Tag.BootStatus]: 'ready' })).not.toBe('Allowed');
  });

  it('may not write it on an instance this stack does not manage', async () => {
    expect(await tagWrite(OTHER, resourceTags('someone-else', 'jdoe'), { [Tag.BootStatus]: 'ready' })).not.toBe('Allowed');
  });

  // Review attack (issue 13 tags): a hostile developer keeping their VM alive (kept, parked,
  // deferred, no idle stop) or rebilling it (CostCenter) through the tag write it does have.
  it.each([Tag.ManagedBy, Tag.DeveloperName, Tag.JiraIssue, Tag.AutoStop, Tag.KeepRunningUntil, Tag.KeptAt, Tag.ParkedAt, Tag.IdleStopMinutes, Tag.StopDeferredUntil, Tag.ScheduleError, Tag.CostCenter, Tag.IdempotencyKey])('may not write %s, alone or beside the status', async (key) => {
    expect(await tagWrite(OWN, jdoeInstance, { [key]: 'x' })).not.toBe('Allowed');
    expect(await tagWrite(OWN, jdoeInstance, { [Tag.BootStatus]: 'ready', [key]: 'x' })).not.toBe('Allowed');
  });

  it('may not write with credentials that did not come from an instance profile', async () => {
    const { ['ec2:SourceInstanceARN']: _dropped, ...notFromInstance } = fromInstance;
    expect(await tagWrite(OWN, jdoeInstance, { [Tag.BootStatus]: 'ready' }, notFromInstance)).not.toBe('Allowed');
  });
});
