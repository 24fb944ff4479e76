/**
 * Issue 13: the reconciler writes exactly two tags, ScheduleError and DevVmStopDeferredUntil (a
 * busy VM's deferred stop, shown in the panel). Its role may write and remove those on managed
 * instances and nothing else: a flaw in the reconciler must not park, unpark, keep, reschedule or
 * re-own a VM by tag. Before, it could write every tag but the three protected ones.
 */
import { MANAGED_BY, Tag } from '../../src/contract/tags';
import { type Principal, decide, rolePolicies } from '../infra/iam-sim';
import { logicalIdOf } from '../infra/support';
import { instanceArn, stackPrincipals } from './iam-stack';

const { s } = stackPrincipals();
const reconciler: Principal = { identity: rolePolicies(s.json, logicalIdOf(s.stack, s.stack.scheduler.reconciler.role!)) };
const managed = { 'ec2:ResourceTag/ManagedBy': MANAGED_BY, 'aws:ResourceTag/ManagedBy': MANAGED_BY };
const write = (tags: Record<string, string>, resourceTags: Record<string, string> = managed) =>
  decide(reconciler, {
    action: 'ec2:CreateTags',
    resource: instanceArn('i-0aaa0000000000000'),
    context: { ...resourceTags, 'aws:TagKeys': Object.keys(tags), ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])) },
  });
const remove = (keys: string[]) => decide(reconciler, { action: 'ec2:DeleteTags', resource: instanceArn('i-0aaa0000000000000'), context: { ...managed, 'aws:TagKeys': keys } });

describe('the reconciler role and instance tags', () => {
  it('may write and remove DevVmStopDeferredUntil and ScheduleError on a managed instance', async () => {
    expect(await write({ [Tag.StopDeferredUntil]: '2026-11-25T23:30:00.000Z session' })).toBe('Allowed');
    expect(await write({ [Tag.ScheduleError]: 'AutoStart: bad time' })).toBe('Allowed');
    expect(await remove([Tag.StopDeferredUntil])).toBe('Allowed');
    expect(await remove([Tag.ScheduleError])).toBe('Allowed');
  });

  it('may not write them on an instance this stack does not manage', async () => {
    expect(await write({ [Tag.StopDeferredUntil]: '2026-11-25T23:30:00.000Z' }, { 'ec2:ResourceTag/ManagedBy': 'other', 'aws:ResourceTag/ManagedBy': 'other' })).not.toBe('Allowed');
  });

  it.each([Tag.ParkedAt, Tag.KeptAt, Tag.KeepRunningUntil, Tag.AutoStop, Tag.AutoSchedule, Tag.IdleStopMinutes, Tag.JiraIssue, Tag.BootStatus, Tag.CostCenter])('may not write or remove %s, alone or beside its own tag', async (key) => {
    expect(await write({ [key]: 'x' })).not.toBe('Allowed');
    expect(await write({ [Tag.StopDeferredUntil]: '2026-11-25T23:30:00.000Z', [key]: 'x' })).not.toBe('Allowed');
    expect(await remove([key])).not.toBe('Allowed');
  });
});
