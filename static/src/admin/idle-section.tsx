import Checkbox from '@atlaskit/checkbox';
import { DEFAULT_IDLE_RULES, type IdleRules } from '../../../src/contract/idle-policy';
import { DEFAULT_COMMENT_SETTINGS, type SettingsInput } from '../../../src/contract/settings';
import { mutedText, Section } from '../shared/ui';
import { TextRow } from './controls';
import type { FieldErrors } from './validation';

/**
 * "Idle and stop rules" (issue 13): the fleet-wide idle stop, the activity thresholds, the busy
 * deferral of scheduled stops and the teardown warning. Saved with the page; the server then sends
 * them (with the Policy section's idle days) through the VM API to the reconciler, which applies
 * them from its next run. A developer may still override the idle stop for one VM in the panel.
 */

type Key = keyof IdleRules;
const ROWS: { key: Key; label: string; help: string }[] = [
  { key: 'idleStopMinutes', label: 'Stop a running VM after this many minutes without activity', help: '0 turns idle stop off; otherwise 15 to 1440. Activity is a Session Manager session or sustained CPU; a VM the schedule merely runs is idle.' },
  { key: 'cpuBusyPercent', label: 'CPU counts as activity at or above (%)', help: '1 to 100, per 5-minute average. GPU or I/O bound jobs may need a low value; sessions count whatever the CPU.' },
  { key: 'cpuBusyMinutes', label: '…for at least this many minutes in a row', help: '5 to 240, so a boot or an update spike does not count.' },
  { key: 'stopDeferStepMinutes', label: 'A busy VM’s scheduled stop is checked again every (minutes)', help: '5 to 240.' },
  { key: 'stopDeferMaxMinutes', label: '…and deferred at most this many minutes', help: '0 to 720; 0 stops on time even when busy.' },
  { key: 'idleWarningDays', label: 'Warn this many days before an idle VM is terminated', help: '1 to 30, fewer than the idle days in Policy. The warning mentions the assignee and offers Keep this VM.' },
];

export function IdleSection(props: { settings: SettingsInput; errors: FieldErrors; update: (fn: (s: SettingsInput) => SettingsInput) => void }) {
  const idle: IdleRules = { ...DEFAULT_IDLE_RULES, ...props.settings.idle };
  const comments = { ...DEFAULT_COMMENT_SETTINGS, ...props.settings.comments };
  const set = (key: Key, text: string) => props.update((s) => ({ ...s, idle: { ...DEFAULT_IDLE_RULES, ...s.idle, [key]: text === '' ? Number.NaN : Number(text) } }));
  return (
    <Section title="Idle and stop rules" id="idle-heading">
      <p style={mutedText}>Applied by the scheduler from its next run (within 5 minutes) to every VM. The idle days before termination are set under Policy.</p>
      {ROWS.map((r) => (
        <TextRow key={r.key} id={`idle-${r.key}`} label={r.label} type="number" value={Number.isNaN(idle[r.key]) ? '' : String(idle[r.key])} error={props.errors[`idle.${r.key}`]} help={r.help} onChange={(v) => set(r.key, v)} />
      ))}
      <Checkbox
        name="comments-deferredStop"
        label="Comment on the issue when a scheduled stop is deferred because the VM is busy (the panel shows it either way)"
        isChecked={comments.deferredStop === 'comment'}
        onChange={(ev: React.ChangeEvent<HTMLInputElement>) => {
          const checked = ev.currentTarget.checked;
          props.update((s) => ({ ...s, comments: { ...DEFAULT_COMMENT_SETTINGS, ...s.comments, deferredStop: checked ? 'comment' : 'silent' } }));
        }}
      />
    </Section>
  );
}
