import Checkbox from '@atlaskit/checkbox';
import { token } from '@atlaskit/tokens';
import { HOURLY_USD_BY_REGION, PRICES_AS_OF, REFERENCE_REGION, UNVERIFIED_REGIONS } from '../../../src/contract/prices';
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
  const prices = typePrices(settings.region);
  return (
    <Section title="Policy" id="policy-heading">
      <SelectRow
        id="policy-instanceTypes"
        label="Allowed instance types"
        multi
        options={prices.options}
        help={prices.help}
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

/**
 * The allowed-type list priced for the stack's region (the Region setting) when the table knows it;
 * otherwise at us-east-1 prices, and the label says so, so no one reads a Virginia price as theirs.
 */
export function typePrices(region: string | undefined): { options: { value: string; label: string }[]; help: string } {
  const known = region !== undefined && HOURLY_USD_BY_REGION[region] !== undefined;
  const quoted = known ? region : REFERENCE_REGION;
  const table = HOURLY_USD_BY_REGION[quoted] ?? {};
  const options = Object.entries(table).map(([t, usd]) => ({ value: t, label: known ? `${t} ($${usd.toFixed(4)}/h)` : `${t} ($${usd.toFixed(4)}/h) (${REFERENCE_REGION})` }));
  const unchecked = UNVERIFIED_REGIONS.includes(quoted) ? ', an estimate not yet checked against AWS' : '';
  const help = known
    ? `On-demand Linux per hour in ${quoted} (price table of ${PRICES_AS_OF}${unchecked}).`
    : `On-demand Linux per hour in ${REFERENCE_REGION}${region ? `: the table has no prices for ${region}` : ': set the Region to see its prices'}.`;
  return { options, help };
}
