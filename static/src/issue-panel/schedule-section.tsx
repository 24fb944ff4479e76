import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { token } from '@atlaskit/tokens';
import type { PanelView } from '../../../src/contract/resolvers';
import { DAY_NAMES, type DayName, type Schedule, type ScheduleInput } from '../../../src/contract/schedule';
import { validateSchedule, type ScheduleErrors as Errors } from './schedule-validation';
import { nextBoundaries } from '../../../src/domain/schedule';
import { DAY_LABELS, daysFromSpec, describeDays, specFromDays } from '../shared/days';
import { formatInstant, timeZones, zoneOffsetLabel } from '../shared/format';
import { PanelButton } from '../shared/light-controls';
import { Facts, mutedText, row, Section } from '../shared/ui';

function Boundary(props: { label: string; iso: string | undefined; vmZone: string; viewerZone: string; testId: string }) {
  if (!props.iso) return null;
  const same = props.vmZone === props.viewerZone;
  return (
    <span data-testid={props.testId}>
      {formatInstant(props.iso, props.viewerZone)} <span style={mutedText}>your time ({props.viewerZone})</span>
      {!same && (
        <>
          <br />
          {formatInstant(props.iso, props.vmZone)}{' '}
          <span style={mutedText}>
            VM’s time ({props.vmZone}, {zoneOffsetLabel(props.iso, props.vmZone)})
          </span>
        </>
      )}
    </span>
  );
}

/** Next start and next stop in the order they happen: a running VM's stop comes first. */
function boundaryRows(rows: [[string, ReactNode], [string, ReactNode]], nextStart: string | undefined, nextStop: string | undefined): [string, ReactNode][] {
  const [start, stop] = rows;
  return nextStart && nextStop && Date.parse(nextStop) < Date.parse(nextStart) ? [stop, start] : [start, stop];
}

export function ScheduleSection(props: {
  view: PanelView;
  viewerZone: string;
  disabledReason: string | undefined;
  busy: boolean;
  onSave: (schedule: Schedule) => Promise<boolean>;
}) {
  const vm = props.view.vm;
  const [editing, setEditing] = useState(false);
  // After the form closes (cancel or save), focus returns to "Edit schedule" instead of the page.
  const [refocus, setRefocus] = useState(false);
  const editButton = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!editing && refocus) {
      editButton.current?.querySelector('button')?.focus();
      setRefocus(false);
    }
  }, [editing, refocus]);
  const close = () => {
    setEditing(false);
    setRefocus(true);
  };
  if (!vm) return null;
  const s = vm.schedule;
  // The server reports the stop the scheduler will really make: a keep-running hold past the next
  // working-hours stop replaces it (panel-resolvers heldStop).
  const held = !!vm.keepRunningUntil && !!props.view.nextStop && new Date(vm.keepRunningUntil).getTime() === new Date(props.view.nextStop).getTime();
  return (
    <Section title="Schedule" id="schedule-heading" collapsible>
      {!editing ? (
        <>
          <Facts
            testId="schedule-facts"
            rows={[
              [
                'Working hours',
                s.enabled
                  ? `${s.start ?? '—'} to ${s.stop ?? '—'}, ${describeDays(s.days)} (${s.timezone})`
                  : `Automatic start and stop is off (${s.start ?? '—'} to ${s.stop ?? '—'}, ${describeDays(s.days)}, ${s.timezone})`,
              ],
              ...boundaryRows([
              ['Next start', props.view.nextStart ? <Boundary key="s" label="start" iso={props.view.nextStart} vmZone={s.timezone} viewerZone={props.viewerZone} testId="next-start" /> : 'none scheduled'],
              [
                'Next stop',
                props.view.nextStop ? (
                  <span key="t">
                    <Boundary label="stop" iso={props.view.nextStop} vmZone={s.timezone} viewerZone={props.viewerZone} testId="next-stop" />
                    {held && (
                      <span style={mutedText} data-testid="next-stop-held">
                        <br />
                        held by Keep running; the working-hours stop before it is skipped
                      </span>
                    )}
                  </span>
                ) : (
                  'none scheduled'
                ),
              ],
              ], props.view.nextStart, props.view.nextStop),
            ]}
          />
          <div style={{ marginBlockStart: token('space.100') }} ref={editButton}>
            <PanelButton onClick={() => setEditing(true)} disabledReason={props.disabledReason} testId="edit-schedule">
              Edit schedule
            </PanelButton>
          </div>
        </>
      ) : (
        <ScheduleForm
          initial={s}
          viewerZone={props.viewerZone}
          busy={props.busy}
          onCancel={close}
          onSave={async (next) => {
            if (await props.onSave(next)) close();
          }}
        />
      )}
    </Section>
  );
}

const fieldStyle = { display: 'flex', flexDirection: 'column' as const, gap: token('space.050') };
const errorStyle = { color: token('color.text.danger'), margin: 0 };

export function ScheduleForm(props: {
  initial: ScheduleInput;
  viewerZone: string;
  busy: boolean;
  onCancel?: () => void;
  onSave: (s: Schedule) => void | Promise<void>;
  idPrefix?: string;
}) {
  const p = props.idPrefix ?? 'sched';
  const [start, setStart] = useState(props.initial.start ?? '');
  const [stop, setStop] = useState(props.initial.stop ?? '');
  const [timezone, setTimezone] = useState(props.initial.timezone);
  const [days, setDays] = useState<Set<DayName>>(() => daysFromSpec(props.initial.days ?? 'MON-FRI'));
  const [enabled, setEnabled] = useState(props.initial.enabled ?? true);
  const [errors, setErrors] = useState<Errors>({});
  const zones = useMemo(() => timeZones(props.initial.timezone), [props.initial.timezone]);

  const toggle = (d: DayName) =>
    setDays((prev) => {
      const next = new Set(prev);
      if (next.has(d)) next.delete(d);
      else next.add(d);
      return next;
    });

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const spec = specFromDays(days);
    const input: ScheduleInput = { timezone, days: spec, enabled, ...(start ? { start } : {}), ...(stop ? { stop } : {}) };
    const result = validateSchedule(input);
    if (!spec) {
      setErrors({ ...(result.ok ? {} : result.errors), days: 'choose at least one working day' });
      return;
    }
    if (!start && !stop && enabled) {
      setErrors({ start: 'give a start time, a stop time or both' });
      return;
    }
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setErrors({});
    await props.onSave(result.schedule);
  };

  // Live preview: the next start and stop the edited schedule would give, with the scheduler's own
  // zone and DST rules (src/domain/schedule.ts), before anything is saved.
  const preview = useMemo(() => {
    const spec = specFromDays(days);
    if (!spec || !enabled) return null;
    const r = validateSchedule({ timezone, days: spec, enabled, ...(start ? { start } : {}), ...(stop ? { stop } : {}) });
    return r.ok ? nextBoundaries(r.schedule, new Date()) : null;
  }, [start, stop, timezone, days, enabled]);

  const invalid = (k: keyof Errors) => (errors[k] ? { 'aria-invalid': true as const, 'aria-describedby': `${p}-${k}-error` } : {});

  return (
    <form onSubmit={submit} noValidate data-testid={`${p}-form`} aria-label="Edit schedule">
      <div style={{ ...row, alignItems: 'flex-start' }}>
        <div style={fieldStyle}>
          <label htmlFor={`${p}-start`}>Start</label>
          <input id={`${p}-start`} type="time" value={start} onChange={(e) => setStart(e.target.value)} {...invalid('start')} />
        </div>
        <div style={fieldStyle}>
          <label htmlFor={`${p}-stop`}>Stop</label>
          <input id={`${p}-stop`} type="time" value={stop} onChange={(e) => setStop(e.target.value)} {...invalid('stop')} />
        </div>
        <div style={fieldStyle}>
          <label htmlFor={`${p}-zone`}>Time zone</label>
          <select id={`${p}-zone`} value={timezone} onChange={(e) => setTimezone(e.target.value)} {...invalid('timezone')}>
            {zones.map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
        </div>
      </div>
      {(['start', 'stop', 'timezone'] as const).map((k) =>
        errors[k] ? (
          <p key={k} id={`${p}-${k}-error`} style={errorStyle} data-testid={`${p}-error`}>
            {k === 'timezone' ? 'Time zone' : k === 'start' ? 'Start' : 'Stop'}: {errors[k]}
          </p>
        ) : null,
      )}
      <fieldset style={{ border: 0, padding: 0, margin: `${token('space.150')} 0 0` }} aria-describedby={errors.days ? `${p}-days-error` : undefined}>
        <legend style={{ padding: 0, marginBlockEnd: token('space.050') }}>Working days</legend>
        <div style={row}>
          {DAY_NAMES.map((d) => (
            <DayToggle key={d} day={d} pressed={days.has(d)} onToggle={() => toggle(d)} />
          ))}
        </div>
        {errors.days && (
          <p id={`${p}-days-error`} style={errorStyle} data-testid={`${p}-error`}>
            Working days: {errors.days}
          </p>
        )}
      </fieldset>
      <label style={{ ...row, marginBlockStart: token('space.150') }}>
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} style={{ minHeight: 'auto' }} />
        Start and stop the VM automatically on this schedule
      </label>
      {preview && (preview.nextStart || preview.nextStop) && (
        <p style={{ ...mutedText, marginBlockEnd: 0 }} data-testid={`${p}-preview`} aria-live="polite">
          With this schedule:
          {preview.nextStart && ` next start ${formatInstant(preview.nextStart.toISOString(), props.viewerZone)} your time (${formatInstant(preview.nextStart.toISOString(), timezone)} in ${timezone})`}
          {preview.nextStart && preview.nextStop && ';'}
          {preview.nextStop && ` next stop ${formatInstant(preview.nextStop.toISOString(), props.viewerZone)} your time (${formatInstant(preview.nextStop.toISOString(), timezone)} in ${timezone})`}.
        </p>
      )}
      {errors.form && (
        <p style={errorStyle} data-testid={`${p}-error`}>
          {errors.form}
        </p>
      )}
      <div style={{ ...row, marginBlockStart: token('space.150') }}>
        <PanelButton type="submit" appearance="primary" isLoading={props.busy} testId={`${p}-save`}>
          Save schedule
        </PanelButton>
        {props.onCancel && (
          <PanelButton onClick={props.onCancel} appearance="subtle">
            Cancel
          </PanelButton>
        )}
      </div>
    </form>
  );
}

function DayToggle(props: { day: DayName; pressed: boolean; onToggle: () => void }) {
  return (
    <button
      type="button"
      aria-pressed={props.pressed}
      onClick={props.onToggle}
      style={{
        minWidth: '3rem',
        minHeight: '32px',
        cursor: 'pointer',
        font: 'inherit',
        borderRadius: token('radius.small'),
        border: `1px solid ${props.pressed ? token('color.border.selected') : token('color.border')}`,
        background: props.pressed ? token('color.background.selected') : token('color.background.neutral.subtle'),
        color: props.pressed ? token('color.text.selected') : token('color.text'),
      }}
    >
      {DAY_LABELS[props.day]}
    </button>
  );
}
