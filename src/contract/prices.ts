/**
 * On-demand Linux (shared tenancy) prices in USD per hour, per region and instance type. The
 * authority is the AWS Price List API (the EC2 On-Demand pricing page shows the same figures):
 * `aws pricing get-products --region us-east-1 --service-code AmazonEC2 --filters
 * Type=TERM_MATCH,Field=regionCode,Value=<region> Type=TERM_MATCH,Field=instanceType,Value=<type>
 * Type=TERM_MATCH,Field=operatingSystem,Value=Linux Type=TERM_MATCH,Field=tenancy,Value=Shared
 * Type=TERM_MATCH,Field=preInstalledSw,Value=NA Type=TERM_MATCH,Field=capacitystatus,Value=Used`.
 *
 * What is verified, and against what (checked 2026-11-30, without network access to AWS itself):
 * - us-east-1, every type in PRICED_TYPES: equal to Karpenter's table generated from the Price List
 *   API ("generated at 2026-01-19T13:23:24Z for us-east-1"), VERIFIED_SOURCE below. That table
 *   lists every size of these families, and in it every size step doubles the price
 *   (t3.micro 0.0104 … t3.2xlarge 0.3328, m7i.large 0.1008 / m7i.2xlarge 0.4032), which is the
 *   rule the other regions' rows rely on. VERIFIED_USD records the cited figures; a test holds the
 *   table to them.
 * - Every other region: NOT verified. Those `large` figures were entered from memory by the
 *   table's author; no primary source (pricing page, Price List API offer file, a generated table)
 *   for a region other than us-east-1 was found in the reference material searched. A few
 *   hand-maintained third-party tables agree with eu-west-1 t3.large 0.0912 and m5/m6i.large
 *   0.107, which is corroboration, not verification. The sizes other than `large` in these rows
 *   are derived by the size ratio (SIZE_FACTOR); a test holds them to it. Check these rows with
 *   the command above before relying on them for billing; UNVERIFIED_REGIONS lists them so the
 *   pages can say so.
 *
 * RHEL adds its licence per hour (RHEL_SURCHARGE_PER_HOUR). Update PRICES_AS_OF with the table.
 */
export const PRICES_AS_OF = '2026-11-30';
export const PRICES_SOURCE = 'https://aws.amazon.com/ec2/pricing/on-demand/ (Linux, per region)';
/** The source the us-east-1 row was checked against (Price List API output, generated 2026-01-19). */
export const VERIFIED_SOURCE =
  'https://github.com/aws/karpenter-provider-aws/blob/031e72b6099630e960dacb88b48a7e9bb780945f/pkg/providers/pricing/zz_generated.pricing_aws.go';
/** The cited figures (VERIFIED_SOURCE), region → type → USD per hour; every priced type, every size. */
export const VERIFIED_USD: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  // prettier-ignore
  'us-east-1': {
    't3.micro': 0.0104, 't3.small': 0.0208, 't3.medium': 0.0416, 't3.large': 0.0832, 't3.xlarge': 0.1664, 't3.2xlarge': 0.3328,
    't3a.medium': 0.0376, 't3a.large': 0.0752, 't3a.xlarge': 0.1504,
    't4g.medium': 0.0336, 't4g.large': 0.0672, 't4g.xlarge': 0.1344,
    'm5.large': 0.096, 'm5.xlarge': 0.192, 'm5.2xlarge': 0.384,
    'm6i.large': 0.096, 'm6i.xlarge': 0.192,
    'm7i.large': 0.1008, 'm7i.xlarge': 0.2016, 'm7i.2xlarge': 0.4032,
    'c7i.large': 0.08925, 'c7i.xlarge': 0.1785,
    'r7i.large': 0.1323, 'r7i.xlarge': 0.2646,
  },
};

const FAMILIES = ['t3', 't3a', 't4g', 'm5', 'm6i', 'm7i', 'c7i', 'r7i'] as const;
type Family = (typeof FAMILIES)[number];
const SIZE_FACTOR: Readonly<Record<string, number>> = { micro: 1 / 8, small: 1 / 4, medium: 1 / 2, large: 1, xlarge: 2, '2xlarge': 4 };
/** The instance types the app prices (and offers: the admin page's list). */
export const PRICED_TYPES = [
  't3.micro', 't3.small', 't3.medium', 't3.large', 't3.xlarge', 't3.2xlarge',
  't3a.medium', 't3a.large', 't3a.xlarge',
  't4g.medium', 't4g.large', 't4g.xlarge',
  'm5.large', 'm5.xlarge', 'm5.2xlarge',
  'm6i.large', 'm6i.xlarge',
  'm7i.large', 'm7i.xlarge', 'm7i.2xlarge',
  'c7i.large', 'c7i.xlarge',
  'r7i.large', 'r7i.xlarge',
] as const;

// prettier-ignore
/** `large` price per family:            t3      t3a     t4g     m5      m6i     m7i      c7i      r7i */
const LARGE_USD: Readonly<Record<string, readonly [number, number, number, number, number, number, number, number]>> = {
  'us-east-1':      [0.0832, 0.0752, 0.0672, 0.096,  0.096,  0.1008,  0.08925, 0.1323],
  'us-east-2':      [0.0832, 0.0752, 0.0672, 0.096,  0.096,  0.1008,  0.08925, 0.1323],
  'us-west-1':      [0.0992, 0.0898, 0.0794, 0.112,  0.112,  0.1176,  0.1113,  0.147],
  'us-west-2':      [0.0832, 0.0752, 0.0672, 0.096,  0.096,  0.1008,  0.08925, 0.1323],
  'ca-central-1':   [0.0928, 0.0835, 0.0742, 0.107,  0.107,  0.11235, 0.09765, 0.1449],
  'sa-east-1':      [0.1344, 0.121,  0.1075, 0.153,  0.153,  0.16065, 0.13755, 0.2205],
  'eu-west-1':      [0.0912, 0.0816, 0.073,  0.107,  0.107,  0.11235, 0.1008,  0.14805],
  'eu-west-2':      [0.0944, 0.085,  0.0755, 0.111,  0.111,  0.11655, 0.10605, 0.1554],
  'eu-west-3':      [0.0944, 0.085,  0.0755, 0.112,  0.112,  0.1176,  0.10605, 0.1554],
  'eu-central-1':   [0.096,  0.0864, 0.0768, 0.115,  0.115,  0.12075, 0.10185, 0.1596],
  'eu-central-2':   [0.1056, 0.095,  0.0845, 0.1265, 0.1265, 0.13283, 0.11204, 0.17556],
  'eu-north-1':     [0.0864, 0.0778, 0.0691, 0.102,  0.102,  0.1071,  0.09555, 0.1407],
  'eu-south-1':     [0.0944, 0.085,  0.0755, 0.112,  0.112,  0.1176,  0.10605, 0.1554],
  'ap-south-1':     [0.0896, 0.0806, 0.0448, 0.101,  0.101,  0.10605, 0.08925, 0.13335],
  'ap-southeast-1': [0.1056, 0.095,  0.0845, 0.12,   0.12,   0.126,   0.1029,  0.1596],
  'ap-southeast-2': [0.1056, 0.095,  0.0845, 0.12,   0.12,   0.126,   0.11655, 0.15855],
  'ap-northeast-1': [0.1088, 0.0979, 0.087,  0.124,  0.124,  0.1302,  0.11235, 0.1596],
  'ap-northeast-2': [0.104,  0.0936, 0.0832, 0.118,  0.118,  0.1239,  0.1008,  0.1596],
};

function regionTable(large: readonly number[]): Readonly<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const type of PRICED_TYPES) {
    const [family, size] = type.split('.') as [Family, string];
    const base = large[FAMILIES.indexOf(family)];
    const factor = SIZE_FACTOR[size];
    if (base !== undefined && factor !== undefined) out[type] = Math.round(base * factor * 1e6) / 1e6;
  }
  return out;
}

/** Region → instance type → USD per hour (on-demand, Linux). */
export const HOURLY_USD_BY_REGION: Readonly<Record<string, Readonly<Record<string, number>>>> = Object.fromEntries(
  Object.entries(LARGE_USD).map(([region, large]) => [region, regionTable(large)]),
);
/** The region a price is quoted for when the VM's region is not known (the admin page's list). */
export const REFERENCE_REGION = 'us-east-1';
export const HOURLY_USD: Readonly<Record<string, number>> = HOURLY_USD_BY_REGION[REFERENCE_REGION] ?? {};
/** Regions whose figures were not checked against a primary source (see the header). */
export const UNVERIFIED_REGIONS: readonly string[] = Object.keys(HOURLY_USD_BY_REGION).filter((r) => !(r in VERIFIED_USD));
export const RHEL_SURCHARGE_PER_HOUR = 0.0288;

/** USD per hour of a VM; undefined when the table has no price for the type in that region. */
export function hourlyPrice(instanceType: string, os: string, region: string = REFERENCE_REGION): number | undefined {
  const base = HOURLY_USD_BY_REGION[region]?.[instanceType];
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
 * Month-to-date cost at the prices of the VM's region, against running the same VM 24/7 over the
 * same period: from the start of
 * the month (or the VM's creation, if later) to the time the usage was accounted. Without a
 * period the whole month is the comparison.
 */
export function estimateCost(
  instanceType: string,
  os: string,
  month: string,
  hoursRun: number,
  period?: { from: Date; to: Date },
  region: string = REFERENCE_REGION,
): CostEstimate | undefined {
  const price = hourlyPrice(instanceType, os, region);
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
