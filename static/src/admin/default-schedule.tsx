import { useMemo } from 'react';
import { token } from '@atlaskit/tokens';
import { DAY_NAMES, type DayName } from '../../../src/contract/schedule';
import { settingLabel } from '../../../src/domain/setting-labels';
import { DAY_LABELS, daysFromSpec, specFromDays } from '../shared/days';
import { timeZones } from '../shared/format';
import { row } from '../shared/ui';
import { ErrorText } from './controls';
import type { SectionProps } from './section-props';

/** The schedule a VM gets when its issue names none: start, stop, zone and working days. */
export function DefaultSchedule(props: SectionProps) {
  const sched = props.settings.policy.defaultSchedule;
  const zones = useMemo(() => timeZones(sched.timezone), [sched.timezone]);
  const days = daysFromSpec(sched.days ?? 'MON-FRI');
  const set = (patch: Partial<typeof sched>) =>
    props.update((s) => ({ ...s, policy: { ...s.policy, defaultSchedule: { ...s.policy.defaultSchedule, ...patch } } }));
  const err = (k: string) => props.errors[`policy.defaultSchedule.${k}`];
  const toggle = (d: DayName) => {
    const next = new Set(days);
    if (next.has(d)) next.delete(d);
    else next.add(d);
    set({ days: specFromDays(next) });
  };
  return (
    <fieldset style={{ border: 0, padding: 0, margin: `0 0 ${token('space.200')}` }}>
      <legend style={{ padding: 0, marginBlockEnd: token('space.100') }}>Default schedule (when the issue has none)</legend>
      <div style={{ ...row, alignItems: 'flex-start' }}>
        <label style={{ display: 'flex', flexDirection: 'column', gap: token('space.050') }}>
          Start
          <input type="time" value={sched.start ?? ''} aria-invalid={err('start') ? true : undefined} onChange={(ev) => set({ start: ev.target.value || undefined })} data-testid="default-start" />
        </label>
        <label style={{ display: 'flex', flexDirection: 'column', gap: token('space.050') }}>
          Stop
          <input type="time" value={sched.stop ?? ''} aria-invalid={err('stop') ? true : undefined} onChange={(ev) => set({ stop: ev.target.value || undefined })} data-testid="default-stop" />
        </label>
        <label style={{ display: 'flex', flexDirection: 'column', gap: token('space.050') }}>
          Time zone
          <select value={sched.timezone} onChange={(ev) => set({ timezone: ev.target.value })}>
            {zones.map((z) => (
              <option key={z}>{z}</option>
            ))}
          </select>
        </label>
      </div>
      <div style={{ ...row, marginBlockStart: token('space.100') }} role="group" aria-label="Default working days">
        {DAY_NAMES.map((d) => (
          <button
            key={d}
            type="button"
            aria-pressed={days.has(d)}
            onClick={() => toggle(d)}
            className={days.has(d) ? 'dv-btn dv-btn--primary' : 'dv-btn dv-btn--subtle'}
          >
            {DAY_LABELS[d]}
          </button>
        ))}
      </div>
      {(['start', 'stop', 'timezone', 'days'] as const).map((k) => (
        <ErrorText key={k} id={`default-${k}-error`} error={err(k) ? `${settingLabel(`policy.defaultSchedule.${k}`)}: ${err(k)}` : undefined} />
      ))}
    </fieldset>
  );
}
