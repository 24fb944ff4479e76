import type { CostView } from '../../../src/contract/resolvers';
import { PRICES_SOURCE } from '../../../src/contract/prices';
import { hours, monthLabel, usd } from '../shared/format';
import { Facts, mutedText, Section } from '../shared/ui';

export function CostSection(props: { cost: CostView | undefined; instanceType: string }) {
  const c = props.cost;
  return (
    <Section title="This month" id="cost-heading">
      {!c ? (
        <p style={{ ...mutedText, margin: 0 }} data-testid="cost-missing">
          No cost estimate: no usage has been recorded yet, or there is no price for {props.instanceType} in the app’s price table.
        </p>
      ) : (
        <>
          <Facts
            testId="cost-facts"
            rows={[
              ['Month', monthLabel(c.month)],
              ['Hours run', hours(c.hoursRun)],
              ['Estimated cost', usd(c.costUsd)],
              ['Running 24/7 over the same time would cost', usd(c.alwaysOnUsd)],
              ['Saving', `${usd(c.savingUsd)} (${Math.round(c.savingPercent)} %)`],
              ...(c.workingHoursUsd !== undefined && c.savingVsWorkingHoursUsd !== undefined
                ? ([
                    [`Working hours without idle stop (${hours(c.workingHours ?? 0)}) would cost`, usd(c.workingHoursUsd)],
                    ['Saved by idle stop and parking', usd(c.savingVsWorkingHoursUsd)],
                  ] as [string, string][])
                : []),
            ]}
          />
          <p style={{ ...mutedText, marginBlockEnd: 0 }}>
            Estimated from AWS on-demand prices as of {c.pricesAsOf} ({PRICES_SOURCE}); your bill may differ by region and discounts.
          </p>
        </>
      )}
    </Section>
  );
}
