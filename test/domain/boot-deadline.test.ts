import type { LifecycleEvent } from '../../src/contract/events';
import { adfToText } from '../../src/domain/adf';
import { lifecycleComment } from '../../src/domain/comments';
import type { Ec2State } from '../../src/domain/ec2-state';
import { plan, type ObservedVm, type PlanOptions } from '../../src/domain/reconcile';
import { emptyState } from '../../src/domain/scheduler-state';

/**
 * Issue 13, "ready means ready": a first boot that does not signal ready within the boot deadline
 * (default 30 minutes after launch) is reported failed by the reconciler, once, naming the step it
 * was on; never a "ready". A VM that signalled ready or failed itself, or one launched before the
 * lookback (a fleet older than the ready signal), is left alone.
 */

const OPTIONS: PlanOptions = { intervalMinutes: 5, idleDays: 30, idleWarningDays: 3 };
const CREATED = '2026-11-26T11:00:00Z';
const at = (minutesAfterLaunch: number) => new Date(Date.parse(CREATED) + minutesAfterLaunch * 60_000);
const TAGS = { AutoStart: '08:00', AutoStop: '20:00', Timezone: 'UTC', AutoDays: 'MON-SUN', CreatedAt: CREATED };

function vm(bootStatus: string | undefined, state: Ec2State = 'running', created = CREATED): ObservedVm {
  return { id: 'i-0123456789abcdef0', state, tags: new Map(Object.entries({ ...TAGS, CreatedAt: created, ...(bootStatus ? { DevVmBootStatus: bootStatus } : {}) })) };
}
const bootFailures = (p: ReturnType<typeof plan>) => p.notices.filter((n) => n.type === 'vm.boot-failed');

describe('the boot deadline', () => {
  it('reports a VM still on a step after 30 minutes, naming the step, once', () => {
    const before = plan([vm('step:efs-utils')], emptyState(), at(29), OPTIONS);
    expect(bootFailures(before)).toEqual([]);
    const due = plan([vm('step:efs-utils')], before.nextState, at(30), OPTIONS);
    expect(bootFailures(due)).toEqual([
      {
        id: 'i-0123456789abcdef0',
        type: 'vm.boot-failed',
        cause: 'boot',
        bootStep: 'efs-utils',
        bootTimedOutMinutes: 30,
        reason: 'no ready signal within 30 minutes of launch (still building amazon-efs-utils)',
      },
    ]);
    expect(due.nextState.instances['i-0123456789abcdef0']?.bootTimedOutAt).toBe(at(30).toISOString());
    const after = plan([vm('step:efs-utils')], due.nextState, at(35), OPTIONS);
    expect(bootFailures(after)).toEqual([]);
  });

  it('honours the configured deadline, and 0 turns it off', () => {
    expect(bootFailures(plan([vm('step:packages')], emptyState(), at(44), { ...OPTIONS, bootDeadlineMinutes: 45 }))).toEqual([]);
    expect(bootFailures(plan([vm('step:packages')], emptyState(), at(45), { ...OPTIONS, bootDeadlineMinutes: 45 }))).toHaveLength(1);
    expect(bootFailures(plan([vm('step:packages')], emptyState(), at(600), { ...OPTIONS, bootDeadlineMinutes: 0 }))).toEqual([]);
  });

  it('reports a VM that never wrote a status (the boot script did not run) without a step', () => {
    expect(bootFailures(plan([vm(undefined)], emptyState(), at(31), OPTIONS))).toEqual([
      expect.objectContaining({ type: 'vm.boot-failed', reason: 'no ready signal within 30 minutes of launch (the boot script never reported a step)', bootTimedOutMinutes: 30 }),
    ]);
  });

  it('reports a VM stopped before its boot finished (a first boot does not resume)', () => {
    expect(bootFailures(plan([vm('step:home', 'stopped')], emptyState(), at(40), OPTIONS))).toHaveLength(1);
  });

  it.each(['ready', 'failed:home'])('leaves a VM that signalled %s alone', (status) => {
    expect(bootFailures(plan([vm(status)], emptyState(), at(120), OPTIONS))).toEqual([]);
  });

  it('leaves VMs launched before the lookback alone (launched before the ready signal existed)', () => {
    expect(bootFailures(plan([vm(undefined, 'running', '2026-11-20T09:00:00Z')], emptyState(), at(60), OPTIONS))).toEqual([]);
  });

  it('leaves terminated VMs alone', () => {
    expect(bootFailures(plan([vm('step:home', 'terminated')], emptyState(), at(60), OPTIONS))).toEqual([]);
  });
});

describe('the boot failure comment names the step in words', () => {
  const base: LifecycleEvent = {
    id: '00000000-0000-4000-8000-000000000001',
    type: 'vm.boot-failed',
    time: '2026-11-26T11:30:00Z',
    instanceId: 'i-0123456789abcdef0',
    issueKey: 'OPS-1',
    client: 'acme',
    developer: 'jdoe',
    cause: 'boot',
  };
  const text = (e: LifecycleEvent) => adfToText(lifecycleComment(e, 'Europe/Berlin') ?? { type: 'doc', version: 1, content: [] });

  it('a failed:<step> the VM wrote', () => {
    const t = text({ ...base, bootStep: 'home' });
    expect(t).toContain('The dev VM did not finish its first boot (failed while mounting the home directory from EFS, step home) at');
    expect(t).not.toMatch(/\bready\b(?! for use)/);
  });

  it('the boot deadline, with the step it was on', () => {
    const t = text({ ...base, bootStep: 'efs-utils', bootTimedOutMinutes: 30, reason: 'no ready signal within 30 minutes of launch (still building amazon-efs-utils)' });
    expect(t).toContain('The dev VM did not finish its first boot within 30 minutes (it was still building amazon-efs-utils, step efs-utils) at');
    expect(t).toContain('It is not ready for use.');
  });

  it('the boot deadline, without a step', () => {
    expect(text({ ...base, bootTimedOutMinutes: 30 })).toContain('within 30 minutes (the boot script never reported a step) at');
  });
});
