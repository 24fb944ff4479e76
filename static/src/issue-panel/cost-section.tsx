import type { ReactNode } from 'react';
import type { CostView } from '../../../src/contract/resolvers';
import { PRICES_SOURCE, UNVERIFIED_REGIONS, hourlyPrice } from '../../../src/contract/prices';
import { dateLabel, hours, monthLabel, usd } from '../shared/format';
import { Facts, mutedText, Section } from '../shared/ui';

/** A money value never breaks across lines (at 380 px "$1.76 (100 %)" used to split before "%)"). */
function Amount(props: { children: string }) {
  return <span style={{ whiteSpace: 'nowrap' }}>{props.children}</span>;
}

export function CostSection(props: { cost: CostView | undefined; instanceType: string; os: string }) {
  const c = props.cost;
  return (
    <Section title="This month" id="cost-heading" collapsible>
      {!c ? (
        <p style={{ ...mutedText, margin: 0 }} data-testid="cost-missing">
          {hourlyPrice(props.instanceType, props.os) === undefined
            ? `No cost estimate: the app’s price table has no price for ${props.instanceType}.`
            : 'No cost estimate yet: no running hours have been recorded for this VM this month.'}
        </p>
      ) : (
        <>
          <Facts
            testId="cost-facts"
            rows={[
              ['Month', monthLabel(c.month)],
              ['Hours run', hours(c.hoursRun)],
              ['Estimated cost', <Amount key="c">{usd(c.costUsd)}</Amount>],
              ['Running 24/7 over the same time would cost', <Amount key="a">{usd(c.alwaysOnUsd)}</Amount>],
              ['Saving', <Amount key="s">{`${usd(c.savingUsd)} (${Math.round(c.savingPercent)}\u00a0%)`}</Amount>],
              ...(c.workingHoursUsd !== undefined && c.savingVsWorkingHoursUsd !== undefined
                ? ([
                    [`Working hours without idle stop (${hours(c.workingHours ?? 0)}) would cost`, <Amount key="w">{usd(c.workingHoursUsd)}</Amount>],
                    ['Saved by idle stop and parking', <Amount key="i">{usd(c.savingVsWorkingHoursUsd)}</Amount>],
                  ] as [string, ReactNode][])
                : []),
            ]}
          />
          <p style={{ ...mutedText, marginBlockEnd: 0 }} data-testid="cost-basis">
            Estimated from AWS on-demand prices in {c.pricesRegion} as of {dateLabel(c.pricesAsOf)} ({PRICES_SOURCE})
            {UNVERIFIED_REGIONS.includes(c.pricesRegion) ? `, figures for ${c.pricesRegion} not yet checked against AWS` : ''}; your bill may differ with discounts.
          </p>
        </>
      )}
    </Section>
  );
}
