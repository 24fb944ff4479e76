import { estimateCost, hourlyPrice, HOURLY_USD, HOURLY_USD_BY_REGION, PRICED_TYPES } from '../../src/contract/prices';
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
});
