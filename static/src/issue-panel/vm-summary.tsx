import Spinner from '@atlaskit/spinner';
import { token } from '@atlaskit/tokens';
import { OS_LABELS, TRANSITIONAL_STATES, type Vm, type VmState } from '../../../src/contract/vm-api';
import { describeStateReason } from '../../../src/domain/state-reason';
import { formatInstant } from '../shared/format';
import { Message, StatusLozenge, type LozengeTone } from '../shared/light-controls';
import { Facts, mutedText, row, Section } from '../shared/ui';

const LOZENGE: Record<VmState, LozengeTone> = {
  pending: 'inprogress',
  running: 'success',
  stopping: 'moved',
  stopped: 'default',
  'shutting-down': 'moved',
  terminated: 'default',
  failed: 'removed',
};
const PROGRESS: Partial<Record<VmState, string>> = {
  pending: 'Starting the VM. This usually takes one to two minutes.',
  stopping: 'Stopping the VM. Your home directory and databases stay as they are.',
  'shutting-down': 'Terminating the VM. Your home directory and the client’s databases are kept.',
};

/** "stopped by a user" → "Stopped by a user." */
const sentence = (s: string): string => `${s.charAt(0).toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? '' : '.'}`;

export function VmSummary(props: { vm: Vm; viewerZone: string; nextPollMs: number | null }) {
  const { vm } = props;
  const reason = describeStateReason(vm.stateReason, vm.state);
  const transitional = TRANSITIONAL_STATES.includes(vm.state);
  // EC2 keeps the reason of the last stop while the VM starts and runs again: there it is history
  // and contradicted the state ("pending" over "Stopped by a user"), so it is shown only while it
  // explains the state.
  const reasonExplainsState = vm.state === 'stopping' || vm.state === 'stopped' || vm.state === 'shutting-down' || vm.state === 'terminated';
  return (
    <div>
      <div style={row}>
        <StatusLozenge tone={LOZENGE[vm.state]} testId="vm-state">
          {vm.state}
        </StatusLozenge>
        <code>{vm.id}</code>
      </div>
      <div aria-live="polite" data-testid="vm-progress" style={{ minHeight: token('space.050') }}>
        {transitional && (
          <div style={{ ...row, marginBlockStart: token('space.100') }}>
            <Spinner size="small" label="Change under way" />
            <span>
              {PROGRESS[vm.state]}
              {props.nextPollMs !== null && <span style={mutedText}> Checking again in {Math.round(props.nextPollMs / 1000)} s.</span>}
            </span>
          </div>
        )}
      </div>
      {vm.state === 'failed' && (
        <div style={{ marginBlockStart: token('space.100') }}>
          <Message tone="error" title="The VM failed" testId="vm-failed">
            <p>{reason ? sentence(reason) : 'AWS did not report a reason.'}</p>
            <p>Terminate it and provision again; your home directory and databases are kept.</p>
          </Message>
        </div>
      )}
      {reasonExplainsState && reason && (
        <p style={mutedText} data-testid="vm-state-reason">
          {sentence(reason)}
        </p>
      )}
      {vm.scheduleError && (
        <div style={{ marginBlockStart: token('space.100') }}>
          <Message tone="warning" title="The schedule is not applied" testId="schedule-error">
            <p>{vm.scheduleError}</p>
            <p>Edit the schedule below and save it again.</p>
          </Message>
        </div>
      )}
    </div>
  );
}

/** What the VM is (type, OS, client, developer, launch, hold): a secondary, collapsible section below the actions. */
export function VmFacts(props: { vm: Vm; viewerZone: string }) {
  const { vm } = props;
  return (
    <Section title="VM details" id="vm-details-heading" collapsible>
        <Facts
          testId="vm-facts"
          rows={[
            ['Instance type', vm.instanceType],
            ['Operating system', OS_LABELS[vm.os]],
            ['Client', vm.client],
            ['Developer', vm.developer],
            ...(vm.costCenter ? ([['Cost center', vm.costCenter]] as [string, string][]) : []),
            ['Launched', vm.launchTime ? `${formatInstant(vm.launchTime, props.viewerZone)} (${props.viewerZone})` : 'not yet'],
            // A hold means nothing for a VM that is gone or going.
            ...(vm.keepRunningUntil && vm.state !== 'shutting-down' && vm.state !== 'terminated'
              ? ([['Kept running until', `${formatInstant(vm.keepRunningUntil, props.viewerZone)} your time (${props.viewerZone})${vm.schedule.timezone === props.viewerZone ? '' : `; ${formatInstant(vm.keepRunningUntil, vm.schedule.timezone)} VM’s time (${vm.schedule.timezone})`}`]] as [string, string][])
              : []),
          ]}
        />
    </Section>
  );
}
