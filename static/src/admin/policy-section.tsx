import Checkbox from '@atlaskit/checkbox';
import { token } from '@atlaskit/tokens';
import { HOURLY_USD } from '../../../src/contract/prices';
import { OS_IDS, OS_LABELS, type OsId } from '../../../src/contract/vm-api';
import { Section } from '../shared/ui';
import { ErrorText, SelectRow, TextRow } from './controls';
import { DefaultSchedule } from './default-schedule';
import type { SectionProps } from './section-props';

/** What a request may ask for (instance types, operating systems), the default schedule, and when idle VMs are terminated. */
export function PolicySection(props: SectionProps) {
  const { settings, update, errors } = props;
  const policy = settings.policy;
  const e = (path: string) => errors[path];
  return (
    <Section title="Policy" id="policy-heading">
      <SelectRow
        id="policy-instanceTypes"
        label="Allowed instance types"
        multi
        options={Object.keys(HOURLY_USD).map((t) => ({ value: t, label: `${t} ($${HOURLY_USD[t]?.toFixed(4)}/h)` }))}
        value={policy.allowedInstanceTypes}
        error={e('policy.allowedInstanceTypes')}
        onChange={(v) => update((s) => ({ ...s, policy: { ...s.policy, allowedInstanceTypes: v } }))}
      />
      <fieldset style={{ border: 0, padding: 0, margin: `0 0 ${token('space.200')}` }} aria-describedby={e('policy.allowedOs') ? 'policy-os-error' : undefined}>
        <legend style={{ padding: 0 }}>Allowed operating systems</legend>
        {OS_IDS.map((os) => (
          <Checkbox
            key={os}
            label={OS_LABELS[os]}
            name={`os-${os}`}
            isChecked={policy.allowedOs.includes(os)}
            onChange={(ev: React.ChangeEvent<HTMLInputElement>) =>
              update((s) => ({
                ...s,
                policy: { ...s.policy, allowedOs: ev.currentTarget.checked ? [...s.policy.allowedOs, os] : s.policy.allowedOs.filter((o: OsId) => o !== os) },
              }))
            }
          />
        ))}
        <ErrorText id="policy-os-error" error={e('policy.allowedOs')} />
      </fieldset>
      <DefaultSchedule settings={settings} errors={errors} update={update} />
      <TextRow
        id="idleDays"
        label="Terminate a VM after this many idle days"
        type="number"
        value={String(policy.idleDays)}
        error={e('policy.idleDays')}
        help="Between 3 and 365. Home directories and databases are kept."
        onChange={(v) => update((s) => ({ ...s, policy: { ...s.policy, idleDays: v === '' ? Number.NaN : Number(v) } }))}
      />
    </Section>
  );
}
