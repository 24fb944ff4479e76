import { useMemo } from 'react';
import { token } from '@atlaskit/tokens';
import { dateLabel, monthLabel, usd } from '../shared/format';
import { FailureMessage, mutedText } from '../shared/ui';
import { totalsBy } from './table-model';
import { useFleet } from './use-fleet';

/**
 * The dashboard gadget: the fleet in four lines, from the same resolver and figures as the fleet
 * page (the gadget is the same Custom UI resource, told apart by its module key).
 */
export function FleetGadget() {
  const fleet = useFleet();
  const all = useMemo(() => totalsBy(fleet.rows.map((r) => ({ ...r, client: 'all' })), 'client')[0], [fleet.rows]);
  const top = useMemo(() => totalsBy(fleet.rows, 'client').slice(0, 3), [fleet.rows]);
  if (fleet.error) return <FailureMessage title="The fleet could not be loaded" error={fleet.error} testId="fleet-failure" />;
  if (!fleet.meta || !all) return <p aria-busy="true">Loading the fleet…</p>;
  return (
    <section data-testid="fleet-gadget" style={{ padding: token('space.100') }} aria-label="Dev VM fleet summary">
      <p style={{ margin: 0 }}>
        <strong data-testid="gadget-running">{all.running}</strong> of {all.vms} dev VMs running now{fleet.more ? ' (still counting)' : ''}.
      </p>
      <p style={{ margin: `${token('space.050')} 0` }} data-testid="gadget-month">
        {monthLabel(fleet.meta.month)}: {all.hoursRun.toFixed(0)} h, {usd(all.costUsd)} (24/7 would be {usd(all.alwaysOnUsd)}).
      </p>
      <p style={{ ...mutedText, margin: 0 }}>Top clients by cost:</p>
      <ol style={{ margin: 0 }} data-testid="gadget-top">
        {top.map((t) => (
          <li key={t.key}>
            {t.key}: {usd(t.costUsd)}
          </li>
        ))}
      </ol>
      <p style={{ ...mutedText, margin: 0, font: token('font.body.small') }}>Prices as of {dateLabel(fleet.meta.pricesAsOf)}.</p>
    </section>
  );
}
