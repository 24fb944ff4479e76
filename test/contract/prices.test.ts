import { estimateCost, hourlyPrice, HOURLY_USD, HOURLY_USD_BY_REGION, PRICED_TYPES, UNVERIFIED_REGIONS, VERIFIED_SOURCE, VERIFIED_USD } from '../../src/contract/prices';
import { SUPPORTED_REGIONS } from '../../src/domain/egress';

/** The price table per region (issue 15): every region the app can be deployed to, every type it offers. */

describe('price table', () => {
  it('prices every offered type in every region the app supports, and no other region', () => {
    expect(Object.keys(HOURLY_USD_BY_REGION).sort()).toEqual([...SUPPORTED_REGIONS].sort());
    for (const region of SUPPORTED_REGIONS) {
      expect(Object.keys(HOURLY_USD_BY_REGION[region] ?? {})).toEqual([...PRICED_TYPES]);
      for (const price of Object.values(HOURLY_USD_BY_REGION[region] ?? {})) expect(price).toBeGreaterThan(0);
    }
  });

  it('keeps the us-east-1 figures of the page (recorded 2026-11-26) exactly', () => {
    expect(HOURLY_USD).toMatchObject({ 't3.micro': 0.0104, 't3.medium': 0.0416, 't3.2xlarge': 0.3328, 't3a.medium': 0.0376, 't4g.xlarge': 0.1344, 'm5.2xlarge': 0.384, 'm7i.2xlarge': 0.4032, 'c7i.xlarge': 0.1785, 'r7i.xlarge': 0.2646 });
  });

  it('prices a VM at its region’s price, and nothing for a region it does not know', () => {
    expect(hourlyPrice('t3.large', 'al2023', 'eu-west-1')).toBe(0.0912);
    expect(hourlyPrice('t3.large', 'rhel-9', 'eu-central-1')).toBeCloseTo(0.096 + 0.0288, 10);
    expect(hourlyPrice('t3.large', 'al2023', 'xx-nowhere-1')).toBeUndefined();
    expect(estimateCost('t3.large', 'al2023', '2026-11', 10, undefined, 'ap-northeast-1')?.costUsd).toBeCloseTo(10 * 0.1088, 10);
    expect(estimateCost('t3.large', 'al2023', '2026-11', 10, undefined, 'us-east-1')?.costUsd).toBeCloseTo(10 * 0.0832, 10);
  });

  it('holds every verified region to the cited figures, for every priced type', () => {
    expect(VERIFIED_SOURCE).toMatch(/^https:\/\/github\.com\/aws\/karpenter-provider-aws\/blob\/[0-9a-f]{40}\//);
    expect(Object.keys(VERIFIED_USD)).toEqual(['us-east-1']);
    for (const [region, cited] of Object.entries(VERIFIED_USD)) {
      expect(Object.keys(cited).sort()).toEqual([...PRICED_TYPES].sort());
      for (const [type, usd] of Object.entries(cited)) expect([region, type, HOURLY_USD_BY_REGION[region]?.[type]]).toEqual([region, type, usd]);
    }
  });

  it('derives the unverified regions by the documented size ratio: each size up doubles the price', () => {
    // The rule the derivation relies on, as the verified source shows it (us-east-1, cited figures).
    const step = { micro: -3, small: -2, medium: -1, large: 0, xlarge: 1, '2xlarge': 2 } as const;
    const ratioHolds = (table: Readonly<Record<string, number>>) =>
      PRICED_TYPES.every((type) => {
        const [family, size] = type.split('.') as [string, keyof typeof step];
        const large = table[`${family}.large`];
        return large !== undefined && Math.abs((table[type] ?? NaN) - large * 2 ** step[size]) < 1e-6;
      });
    expect(ratioHolds(VERIFIED_USD['us-east-1'] ?? {})).toBe(true);
    expect(UNVERIFIED_REGIONS.length).toBe(Object.keys(HOURLY_USD_BY_REGION).length - 1);
    expect(UNVERIFIED_REGIONS).not.toContain('us-east-1');
    for (const region of UNVERIFIED_REGIONS) expect([region, ratioHolds(HOURLY_USD_BY_REGION[region] ?? {})]).toEqual([region, true]);
    // and the check can fail: a table off by one size step is caught
    expect(ratioHolds({ ...(HOURLY_USD_BY_REGION['eu-west-1'] ?? {}), 't3.xlarge': 0.0912 * 3 })).toBe(false);
  });
});
