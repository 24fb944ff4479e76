import { useRef, useState } from 'react';
import { token } from '@atlaskit/tokens';
import type { PanelView } from '../../../src/contract/resolvers';
import { browserZone } from '../shared/format';
import { PanelButton } from '../shared/light-controls';
import { mutedText, row, Section } from '../shared/ui';
import { whyNot, type PanelAction } from './availability';
import { TerminateDialog } from './terminate-dialog';

export type Act = (label: string, run: () => Promise<boolean>) => Promise<boolean>;

/** `YYYY-MM-DDTHH:MM` for a datetime-local input, in the browser's zone (the input's own zone). */
function localInputValue(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function defaultKeepUntil(now: Date): Date {
  const d = new Date(now.getTime() + 4 * 3_600_000);
  d.setMinutes(0, 0, 0);
  return d;
}

export function ActionsBar(props: {
  view: PanelView;
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

function KeepRunningForm(props: { busy: boolean; onCancel: () => void; onSubmit: (iso: string) => Promise<void> }) {
  const [value, setValue] = useState(() => localInputValue(defaultKeepUntil(new Date())));
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const until = new Date(value);
    if (!value || Number.isNaN(until.getTime())) return setError('enter a date and time');
    if (until.getTime() <= Date.now()) return setError('choose a time in the future');
    setError(null);
    await props.onSubmit(until.toISOString());
  };
  return (
    <form onSubmit={submit} noValidate aria-label="Keep running until" data-testid="keep-form" style={{ marginBlockStart: token('space.150') }}>
      <div style={{ display: 'flex', flexDirection: 'column', gap: token('space.050') }}>
        <label htmlFor="keep-until">Keep running until (your browser’s time, {browserZone()}); the schedule will not stop it before then</label>
        <input
          id="keep-until"
          type="datetime-local"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'keep-until-error' : undefined}
          style={{ maxWidth: '16rem' }}
        />
        {error && (
          <p id="keep-until-error" style={{ color: token('color.text.danger'), margin: 0 }}>
            {error}
          </p>
        )}
      </div>
      <div style={{ ...row, marginBlockStart: token('space.100') }}>
        <PanelButton type="submit" appearance="primary" isLoading={props.busy} testId="keep-save">
          Keep running
        </PanelButton>
        <PanelButton appearance="subtle" onClick={props.onCancel}>
          Cancel
        </PanelButton>
      </div>
    </form>
  );
}
