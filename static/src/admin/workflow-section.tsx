import SectionMessage from '@atlaskit/section-message';
import { ON_CLOSE_ACTIONS, SCHEDULED_START_STOP_MODES, type ScheduledStartStopMode, type SettingsInput } from '../../../src/contract/settings';
import { whatToDo } from '../shared/api';
import { Section } from '../shared/ui';
import { SelectRow } from './controls';
import { ON_CLOSE_LABELS, SCHEDULED_START_STOP_LABELS } from './labels';
import type { Option } from './option';
import type { SectionProps } from './section-props';
import type { ListState } from './use-admin-settings';

/** Which statuses provision, stop and terminate a VM, what closing an issue does, and whether daily starts and stops comment. */
export function WorkflowSection(props: SectionProps & { statuses: ListState; statusOptions: Option[] }) {
  const { settings, update, statuses, statusOptions } = props;
  const st = settings.statuses;
  const e = (path: string) => props.errors[path];
  const disabled = statuses.status !== 'ready';
  return (
    <Section title="Workflow" id="workflow-heading">
      {statuses.status === 'failed' && (
        <SectionMessage appearance="warning" title="Could not load this site’s statuses">
          <p>{statuses.error.message}</p>
          <p>{whatToDo(statuses.error)} The other settings can still be saved.</p>
        </SectionMessage>
      )}
      <SelectRow id="statuses-provision" label="Entering these statuses provisions a VM" multi options={statusOptions} value={st.provision ?? []} disabled={disabled} error={e('statuses.provision')} onChange={(v) => update((s) => ({ ...s, statuses: { ...s.statuses, provision: v } }))} />
      <SelectRow id="statuses-stop" label="Entering these statuses stops the VM" multi options={statusOptions} value={st.stop ?? []} disabled={disabled} error={e('statuses.stop')} onChange={(v) => update((s) => ({ ...s, statuses: { ...s.statuses, stop: v } }))} />
      <SelectRow id="statuses-terminate" label="Entering these statuses terminates the VM" multi options={statusOptions} value={st.terminate ?? []} disabled={disabled} error={e('statuses.terminate')} onChange={(v) => update((s) => ({ ...s, statuses: { ...s.statuses, terminate: v } }))} />
      <SelectRow
        id="statuses-provisioned"
        label="Move the issue to this status when its VM first runs (optional)"
        options={statusOptions}
        value={st.provisioned ? [st.provisioned] : []}
        disabled={disabled}
        onChange={(v) => update((s) => ({ ...s, statuses: { ...s.statuses, provisioned: v[0] } }))}
      />
      <SelectRow
        id="onClose"
        label="When an issue is closed (a “done” status not listed above)"
        options={ON_CLOSE_ACTIONS.map((a) => ({ value: a, label: ON_CLOSE_LABELS[a] }))}
        value={[settings.onClose ?? 'stop']}
        error={e('onClose')}
        onChange={(v) => update((s) => ({ ...s, onClose: (v[0] as SettingsInput['onClose']) ?? 'stop' }))}
      />
      <SelectRow
        id="comments-scheduledStartStop"
        label="Daily scheduled starts and stops"
        options={SCHEDULED_START_STOP_MODES.map((m) => ({ value: m, label: SCHEDULED_START_STOP_LABELS[m] }))}
        value={[settings.comments?.scheduledStartStop ?? 'comment']}
        error={e('comments.scheduledStartStop')}
        help="Comment on the issue, or update the panel only so watchers get no e-mail twice a day. The first start (with the connection details), failed starts, idle warnings and terminations always comment."
        onChange={(v) => update((s) => ({ ...s, comments: { ...s.comments, scheduledStartStop: (v[0] as ScheduledStartStopMode | undefined) ?? 'comment' } }))}
      />
    </Section>
  );
}
