/**
 * On-demand Linux prices in USD per hour, region us-east-1, from the AWS EC2 On-Demand pricing
 * page as recorded on 2026-11-26. Other regions differ by a few percent; the panel labels
 * its figure "estimated". RHEL adds its licence per hour (RHEL_SURCHARGE_PER_HOUR).
 * Update PRICES_AS_OF with the table.
 */
export const PRICES_AS_OF = '2026-11-26';
export const PRICES_SOURCE = 'https://aws.amazon.com/ec2/pricing/on-demand/ (us-east-1, Linux)';
export const HOURLY_USD: Readonly<Record<string, number>> = {
  't3.micro': 0.0104,
  't3.small': 0.0208,
  't3.medium': 0.0416,
  't3.large': 0.0832,
  't3.xlarge': 0.1664,
  't3.2xlarge': 0.3328,
  't3a.medium': 0.0376,
  't3a.large': 0.0752,
  't3a.xlarge': 0.1504,
  't4g.medium': 0.0336,
  't4g.large': 0.0672,
  't4g.xlarge': 0.1344,
  'm5.large': 0.096,
  'm5.xlarge': 0.192,
  'm5.2xlarge': 0.384,
  'm6i.large': 0.096,
  'm6i.xlarge': 0.192,
  'm7i.large': 0.1008,
  'm7i.xlarge': 0.2016,
  'm7i.2xlarge': 0.4032,
  'c7i.large': 0.0893,
  'c7i.xlarge': 0.1785,
  'r7i.large': 0.1323,
  'r7i.xlarge': 0.2646,
};
export const RHEL_SURCHARGE_PER_HOUR = 0.0288;

export function hourlyPrice(instanceType: string, os: string): number | undefined {
  const base = HOURLY_USD[instanceType];
  if (base === undefined) return undefined;
  return os === 'rhel-9' ? base + RHEL_SURCHARGE_PER_HOUR : base;
}

/** Hours in the given UTC month (for the 24/7 comparison). */
export function hoursInMonth(month: string): number {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return (Date.UTC(y, m, 1) - Date.UTC(y, m - 1, 1)) / 3_600_000;
}

export interface CostEstimate {
  hoursRun: number;
  costUsd: number;
  alwaysOnUsd: number;
  savingUsd: number;
  savingPercent: number;
}

/**
 * Month-to-date cost against running the same VM 24/7 over the same period: from the start of
 * the month (or the VM's creation, if later) to the time the usage was accounted. Without a
 * period the whole month is the comparison.
 */
export function estimateCost(
  instanceType: string,
  os: string,
  month: string,
  hoursRun: number,
  period?: { from: Date; to: Date },
): CostEstimate | undefined {
  const price = hourlyPrice(instanceType, os);
  if (price === undefined) return undefined;
  const [y, m] = month.split('-').map(Number) as [number, number];
  const monthStart = Date.UTC(y, m - 1, 1);
  const monthEnd = Date.UTC(y, m, 1);
  const alwaysOnHours = period
    ? Math.max(hoursRun, (Math.min(monthEnd, period.to.getTime()) - Math.max(monthStart, period.from.getTime())) / 3_600_000)
    : hoursInMonth(month);
  const alwaysOnUsd = price * alwaysOnHours;
  const costUsd = price * hoursRun;
  return {
    hoursRun,
    costUsd,
    alwaysOnUsd,
    savingUsd: alwaysOnUsd - costUsd,
    savingPercent: alwaysOnUsd > 0 ? (100 * (alwaysOnUsd - costUsd)) / alwaysOnUsd : 0,
  };
}
