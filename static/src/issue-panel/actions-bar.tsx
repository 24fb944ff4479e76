import { useRef, useState } from 'react';
import { token } from '@atlaskit/tokens';
import type { PanelView } from '../../../src/contract/resolvers';
import { formatInstant } from '../shared/format';
import { instantOfWallTime, wallTimeIn } from '../shared/zoned-time';
import { Message, PanelButton } from '../shared/light-controls';
import { mutedText, row, Section } from '../shared/ui';
import { whyNot, type PanelAction } from './availability';
import { TerminateDialog } from './terminate-dialog';

/** The scheduler keeps a hold at most this long (the VM API refuses more: operations.ts KEEP_RUNNING_MAX_MS). */
export const KEEP_RUNNING_MAX_HOURS = 24;

export function ActionsBar(props: {
  view: PanelView;
  viewerZone: string;
  busy: string | null;
  onStart: () => void;
  onStop: () => void;
  onTerminate: () => void;
  onKeepRunning: (untilIso: string) => Promise<boolean>;
}) {
  const vm = props.view.vm;
  const [confirming, setConfirming] = useState(false);
  const [keepOpen, setKeepOpen] = useState(false);
  const keepButton = useRef<HTMLSpanElement>(null);
  if (!vm) return null;
  // The form unmounts on cancel or save; focus goes back to its opener instead of the page.
  const closeKeep = () => {
    setKeepOpen(false);
    keepButton.current?.querySelector('button')?.focus();
  };
  const why = (a: PanelAction) => whyNot(props.view, a, props.busy);

  const button = (a: PanelAction, label: string, onClick: () => void, appearance: 'default' | 'primary' | 'danger' = 'default') => (
    <PanelButton appearance={appearance} disabledReason={why(a)} isLoading={props.busy === label} onClick={onClick} testId={`action-${a}`}>
      {label}
    </PanelButton>
  );

  return (
    <Section title="Actions" id="actions-heading">
      {!props.view.canAct && (
        <p style={{ ...mutedText, marginBlockStart: 0 }} data-testid="read-only-reason">
          Read only: {props.view.cannotActReason ?? 'only the assignee, the reporter or a Jira administrator can change this VM.'}
        </p>
      )}
      <div style={row}>
        {button('start', 'Start', props.onStart, 'primary')}
        {button('stop', 'Stop', props.onStop)}
        <span ref={keepButton} style={{ display: 'contents' }}>
          {button('keepRunning', 'Keep running until…', () => setKeepOpen(true))}
        </span>
        {button('terminate', 'Terminate', () => setConfirming(true), 'danger')}
      </div>
      {keepOpen && props.view.canAct && (
        <KeepRunningForm
          viewerZone={props.viewerZone}
          vmZone={vm.schedule.timezone}
          startsVm={vm.state === 'stopped'}
          busy={props.busy !== null}
          onCancel={closeKeep}
          onSubmit={async (iso) => {
            if (await props.onKeepRunning(iso)) closeKeep();
          }}
        />
      )}
      {confirming && (
        <TerminateDialog
          vm={vm}
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            props.onTerminate();
          }}
        />
      )}
    </Section>
  );
}

const fieldStyle = { display: 'flex', flexDirection: 'column' as const, gap: token('space.050') };

/**
 * "Keep running until": one clock, the viewer's Jira zone (as the schedule section), with the VM's
 * zone beside it where it differs; the 24 h limit is stated before anything is typed, and a
 * stopped VM says that saving starts it. The time is a 24-hour HH:MM field, not the browser's
 * time input (12-hour in some locales).
 */
function KeepRunningForm(props: { viewerZone: string; vmZone: string; startsVm: boolean; busy: boolean; onCancel: () => void; onSubmit: (iso: string) => Promise<void> }) {
  const { viewerZone, vmZone } = props;
  const [initial] = useState(() => {
    const t = new Date(Date.now() + 4 * 3_600_000);
    const w = wallTimeIn(t, viewerZone);
    return { date: w.date, time: `${w.time.slice(0, 2)}:00` };
  });
  const [date, setDate] = useState(initial.date);
  const [time, setTime] = useState(initial.time);
  const [error, setError] = useState<string | null>(null);
  const latest = new Date(Date.now() + KEEP_RUNNING_MAX_HOURS * 3_600_000);
  const until = instantOfWallTime(date, time, viewerZone);
  const inVm = (d: Date) => (vmZone === viewerZone ? '' : `; VM’s time ${formatInstant(d.toISOString(), vmZone)} (${vmZone})`);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!until) return setError('enter a date and a 24-hour time such as 18:30');
    if (until.getTime() <= Date.now()) return setError('choose a time in the future');
    if (until.getTime() > latest.getTime()) return setError(`at most ${KEEP_RUNNING_MAX_HOURS} hours from now, that is ${formatInstant(latest.toISOString(), viewerZone)} at the latest`);
    setError(null);
    await props.onSubmit(until.toISOString());
  };
  const described = ['keep-until-hint', ...(error ? ['keep-until-error'] : [])].join(' ');
  return (
    <form onSubmit={submit} noValidate aria-label="Keep running until" data-testid="keep-form" style={{ marginBlockStart: token('space.150') }}>
      <p id="keep-until-hint" style={{ ...mutedText, marginBlockStart: 0 }} data-testid="keep-hint">
        Your time ({viewerZone}). The schedule will not stop the VM before then; at most {KEEP_RUNNING_MAX_HOURS} hours from now ({formatInstant(latest.toISOString(), viewerZone)}).
      </p>
      {props.startsVm && (
        <div style={{ marginBlockEnd: token('space.100') }}>
          <Message tone="information" title="The VM is stopped" testId="keep-starts-vm">
            <p>Keeping it running starts it now.</p>
          </Message>
        </div>
      )}
      <div style={{ ...row, alignItems: 'flex-start' }}>
        <div style={fieldStyle}>
          <label htmlFor="keep-until-date">Date</label>
          <input id="keep-until-date" type="date" value={date} onChange={(e) => {
              setDate(e.target.value);
              setError(null);
            }} aria-invalid={error ? true : undefined} aria-describedby={described} />
        </div>
        <div style={fieldStyle}>
          <label htmlFor="keep-until-time">Time (24 h)</label>
          <input
            id="keep-until-time"
            type="text"
            inputMode="numeric"
            placeholder="HH:MM"
            pattern="[0-2][0-9]:[0-5][0-9]"
            value={time}
            onChange={(e) => {
              setTime(e.target.value);
              setError(null);
            }}
            aria-invalid={error ? true : undefined}
            aria-describedby={described}
            style={{ width: '6rem' }}
          />
        </div>
      </div>
      {until && !error && (
        <p style={{ ...mutedText, marginBlockEnd: 0 }} data-testid="keep-preview" aria-live="polite">
          Until {formatInstant(until.toISOString(), viewerZone)} your time{inVm(until)}.
        </p>
      )}
      {error && (
        <p id="keep-until-error" style={{ color: token('color.text.danger'), margin: 0 }} data-testid="keep-error">
          {error}
        </p>
      )}
      <div style={{ ...row, marginBlockStart: token('space.100') }}>
        <PanelButton type="submit" appearance="primary" isLoading={props.busy} testId="keep-save">
          {props.startsVm ? 'Start and keep running' : 'Keep running'}
        </PanelButton>
        <PanelButton appearance="subtle" onClick={props.onCancel}>
          Cancel
        </PanelButton>
      </div>
    </form>
  );
}
