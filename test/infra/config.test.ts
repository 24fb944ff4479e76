import { readConfig } from '../../infra-cdk/lib/config';
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

  it('enables rhel-9 only with an AMI parameter the admin maintains (AWS publishes none)', () => {
    expect(readConfig(ctx({ allowedOs: 'al2023,rhel-9', rhelAmiParameter: '/golden/rhel9' })).allowedOs).toEqual(['al2023', 'rhel-9']);
  });

  it('switches to Graviton with arm64 instance types', () => {
    expect(readConfig(ctx({ vmArchitecture: 'arm64', allowedInstanceTypes: 't4g.large,m7g.large' })).vmArchitecture).toBe('arm64');
  });
});
