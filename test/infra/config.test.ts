import { MAX_POSIX_ID, MAX_UID_BASE, readConfig } from '../../infra-cdk/lib/config';
import { UserDataInput } from '../../src/domain/user-data';
import { CDK_JSON_CONTEXT } from './support';

const ctx = (values: Record<string, unknown>) => ({ tryGetContext: (k: string) => values[k] });

describe('context flags (readConfig)', () => {
  it('cdk.json and an empty context give the same documented defaults', () => {
    const empty = readConfig(ctx({}));
    expect(readConfig(ctx(CDK_JSON_CONTEXT))).toEqual(empty);
    expect(empty).toMatchObject({
      vpc: { kind: 'create', egress: 'nat' },
      postgres: true,
      mysql: true,
      allowedOs: ['al2023', 'ubuntu-24.04'],
      scheduleIntervalMinutes: 5,
      idleDays: 30,
      cloudTrail: true,
      developerAccess: true,
      secretPrefix: 'dev-vm/',
      managedBy: 'dev-vm-for-jira',
      webtriggerUrl: 'not-configured',
    });
  });

  it('accepts the string forms `cdk -c key=value` passes', () => {
    const c = readConfig(ctx({ postgres: 'false', cloudTrail: 'false', scheduleIntervalMinutes: '10', allowedInstanceTypes: 't3.large, m7i.large', allowedOs: 'al2023' }));
    expect(c).toMatchObject({ postgres: false, cloudTrail: false, scheduleIntervalMinutes: 10, allowedInstanceTypes: ['t3.large', 'm7i.large'], allowedOs: ['al2023'] });
  });

  it('imports a VPC given its id, private subnets and their zones', () => {
    const c = readConfig(ctx({ vpcId: 'vpc-0abc1234', vpcPrivateSubnetIds: 'subnet-0aa,subnet-0bb', vpcAvailabilityZones: 'eu-west-1a,eu-west-1b' }));
    expect(c.vpc).toEqual({ kind: 'import', vpcId: 'vpc-0abc1234', privateSubnetIds: ['subnet-0aa', 'subnet-0bb'], availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
  });

  it.each([
    [{ egress: 'vpn' }, 'egress'],
    [{ postgres: 'yes' }, 'postgres'],
    [{ scheduleIntervalMinutes: '0' }, 'scheduleIntervalMinutes'],
    [{ idleDays: 2 }, 'idleDays'],
    [{ secretPrefix: 'dev-vm' }, 'secretPrefix'],
    [{ allowedOs: 'al2023,windows' }, 'allowedOs'],
    [{ allowedOs: 'rhel-9' }, 'allowedOs'],
    [{ allowedInstanceTypes: 't4g.large' }, 'allowedInstanceTypes'],
    [{ vmArchitecture: 'arm64' }, 'allowedInstanceTypes'],
    [{ vpcId: 'vpc-0abc1234' }, 'vpcPrivateSubnetIds'],
    [{ vpcId: 'vpc-0abc1234', vpcPrivateSubnetIds: 'subnet-0aa,subnet-0bb', vpcAvailabilityZones: 'eu-west-1a' }, 'vpcAvailabilityZones'],
    [{ vpcPrivateSubnetIds: 'subnet-0aa' }, 'vpcId'],
    [{ webtriggerUrl: 'http://example.com/x' }, 'webtriggerUrl'],
    [{ idleDays: 5, idleWarningDays: 5 }, 'idleWarningDays'],
  ])('rejects %j, naming context "%s"', (values, key) => {
    expect(() => readConfig(ctx(values))).toThrow(new RegExp(`context "${key}"`));
  });

  describe('uidBase stays where the VM user data can use it', () => {
    it('is capped by the user data\'s own uid/gid limit (2,000,000,000), with room for a million developers', () => {
      expect(MAX_POSIX_ID).toBe(2_000_000_000);
      expect(MAX_UID_BASE).toBe(1_999_000_000);
    });

    it.each([[1000], ['20000'], [MAX_UID_BASE], [String(MAX_UID_BASE)]])('accepts %j', (value) => {
      expect(readConfig(ctx({ uidBase: value })).uidBase).toBe(Number(value));
    });

    it.each([
      [MAX_UID_BASE + 1, /at most 1999000000/],
      [2_000_000_000, /at most 1999000000/],
      ['4000000000', /at most 1999000000/],
      [999, /at least 1000/],
      ['20000.5', /whole number/],
      ['lots', /context "uidBase"/],
    ])('rejects %j, naming the flag', (value, message) => {
      expect(() => readConfig(ctx({ uidBase: value }))).toThrow(/context "uidBase"/);
      expect(() => readConfig(ctx({ uidBase: value }))).toThrow(message);
    });

    it('every uid the largest uidBase can hand out to 10,000 developers (the EFS access point quota) passes the user data schema', () => {
      for (const uid of [MAX_UID_BASE, MAX_UID_BASE + 9_999]) {
        const shape = UserDataInput.shape;
        expect(shape.uid.safeParse(uid).success).toBe(true);
        expect(shape.gid.safeParse(uid).success).toBe(true);
      }
      // …and the limit is real: one past the ceiling is refused by the user data.
      expect(UserDataInput.shape.uid.safeParse(MAX_POSIX_ID + 1).success).toBe(false);
    });
  });

  it('enables rhel-9 only with an AMI parameter the admin maintains (AWS publishes none)', () => {
    expect(readConfig(ctx({ allowedOs: 'al2023,rhel-9', rhelAmiParameter: '/golden/rhel9' })).allowedOs).toEqual(['al2023', 'rhel-9']);
  });

  it('switches to Graviton with arm64 instance types', () => {
    expect(readConfig(ctx({ vmArchitecture: 'arm64', allowedInstanceTypes: 't4g.large,m7g.large' })).vmArchitecture).toBe('arm64');
  });
});
