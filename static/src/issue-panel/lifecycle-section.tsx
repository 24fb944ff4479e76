import { token } from '@atlaskit/tokens';
import type { PanelView } from '../../../src/contract/resolvers';
import type { Vm } from '../../../src/contract/vm-api';
import { stopDeferredText } from './stop-deferred';
import { PanelButton, Message } from '../shared/light-controls';
import { Facts, row } from '../shared/ui';

/** "2 h ago", "35 min ago", "3 days ago": the panel's last-activity wording. */
export function agoText(iso: string, now: number): string {
  const min = Math.max(0, Math.round((now - new Date(iso).getTime()) / 60_000));
  if (min < 60) return `${min} min ago`;
  const h = Math.round(min / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

/** The idle stop in force, in numbers: the VM's own setting, else the fleet's (admin page). */
function idleStopText(vm: Vm, fleetDefault: number | undefined): string {
  if (vm.idleStopMinutes === 'off') return 'off for this VM';
  if (typeof vm.idleStopMinutes === 'number') return `after ${vm.idleStopMinutes} minutes without activity (this VM)`;
  if (fleetDefault === undefined) return 'the fleet’s default, set by a Jira administrator';
  if (fleetDefault === 0) return 'off (the fleet’s default)';
  return `after ${fleetDefault} minutes without activity (the fleet’s default)`;
}

/**
 * Parking, measured activity and idle stop (issue 13): why the schedule is not starting the VM,
 * when it was last used, and the actions that change it. "Start anyway" is the Start button.
 */
export function LifecycleSection(props: { view: PanelView; vm: Vm; busy: boolean; now: number; onLifecycle: (change: { parked?: boolean; keep?: true; idleStopMinutes?: number | 'off' | null }) => void }) {
  const { vm, view } = props;
  const last = vm.usage?.lastActivityAt;
  const deferred = stopDeferredText(vm, props.now);
  const disabled = !view.canAct ? (view.cannotActReason ?? 'Only the assignee, the reporter or a Jira administrator can change this VM.') : props.busy ? 'Another change is under way.' : undefined;
  return (
    <div style={{ marginBlockStart: token('space.150') }} data-testid="lifecycle">
      {vm.parkedAt && (
        <Message tone="information" title="Parked: the issue is closed" testId="parked">
          <p>The working hours do not start this VM until the issue is reopened or unparked. Start anyway runs it now; idle stop and the scheduled stop still apply.</p>
        </Message>
      )}
      {deferred && (
        <Message tone="information" title={deferred} testId="stop-deferred">
          <p>The end of working hours does not stop a VM in use: it is stopped at the first check it is quiet, and at the administrator's maximum deferral at the latest.</p>
        </Message>
      )}
      <Facts
        testId="lifecycle-facts"
        rows={[
          ['Last activity', last ? `last session or sustained CPU ${agoText(last, props.now)}` : 'none measured yet'],
          ['Idle stop', idleStopText(vm, view.idleStopDefaultMinutes)],
        ]}
      />
      <div style={{ ...row, marginBlockStart: token('space.100') }}>
        {vm.parkedAt && (
          <PanelButton disabledReason={disabled} onClick={() => props.onLifecycle({ parked: false })} testId="action-unpark">
            Unpark
          </PanelButton>
        )}
        <PanelButton disabledReason={disabled} onClick={() => props.onLifecycle({ keep: true })} testId="action-keep-vm">
          Keep this VM
        </PanelButton>
        <PanelButton disabledReason={disabled} onClick={() => props.onLifecycle({ idleStopMinutes: vm.idleStopMinutes === 'off' ? null : 'off' })} testId="action-idle-stop">
          {vm.idleStopMinutes === 'off' ? 'Use the default idle stop' : 'Turn idle stop off'}
        </PanelButton>
      </div>
    </div>
  );
}
