import type { Instance } from '@aws-sdk/client-ec2';
import { MANAGED_BY, Tag } from '../../../src/contract/tags';
import { Vm } from '../../../src/contract/vm-api';
import { NotAManagedVmError, toVm } from '../../../infra-cdk/lambda/shared/vm-record';
import { developerClientDbSecretName, developerClientLoginName, legacyDeveloperDbSecretName } from '../../../infra-cdk/lambda/shared/resource-names';

const ctx = {
  region: 'eu-west-1',
  secretPrefix: 'dev-vm/',
  databases: { postgres: { host: 'pg.internal', port: 5432 }, mysql: { host: 'my.internal', port: 3306 } },
};

function instance(tags: Record<string, string>, extra: Partial<Instance> = {}): Instance {
  return {
    InstanceId: 'i-0abc12345def67890',
    InstanceType: 't3.large',
    ImageId: 'ami-0123456789abcdef0',
    PrivateIpAddress: '10.0.1.23',
    LaunchTime: new Date('2026-11-26T08:00:00Z'),
    State: { Name: 'running', Code: 16 },
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    ...extra,
  };
}

const baseTags = {
  [Tag.ManagedBy]: MANAGED_BY,
  [Tag.ClientName]: 'acme',
  [Tag.DeveloperName]: 'jdoe',
  [Tag.JiraIssue]: 'OPS-42',
  [Tag.Os]: 'al2023',
  [Tag.CreatedAt]: '2026-11-26T07:59:00.000Z',
  [Tag.AutoStart]: '08:00',
  [Tag.AutoStop]: '18:00',
  [Tag.Timezone]: 'Europe/London',
  [Tag.AutoDays]: 'MON-FRI',
};

describe('toVm', () => {
  it('maps tags, state, IP, AMI and launch time into a contract-valid Vm with connection info', () => {
    const vm = toVm(instance(baseTags), ctx);
    expect(Vm.parse(vm)).toEqual(vm);
    expect(vm).toMatchObject({
      id: 'i-0abc12345def67890',
      issueKey: 'OPS-42',
      client: 'acme',
      developer: 'jdoe',
      instanceType: 't3.large',
      os: 'al2023',
      state: 'running',
      amiId: 'ami-0123456789abcdef0',
      launchTime: '2026-11-26T08:00:00.000Z',
      createdAt: '2026-11-26T07:59:00.000Z',
      schedule: { start: '08:00', stop: '18:00', timezone: 'Europe/London', days: 'MON-FRI', enabled: true },
    });
    expect(vm.connection).toEqual({
      region: 'eu-west-1',
      ssmCommand: 'aws ssm start-session --target i-0abc12345def67890 --region eu-west-1',
      homePath: '/home/jdoe',
      privateIp: '10.0.1.23',
      databases: [
        { engine: 'postgres', host: 'pg.internal', port: 5432, database: 'client_acme', user: 'dv_jdoe_acme_5hepchf4ytua', secretName: 'dev-vm/db/developer/jdoe/acme' },
        { engine: 'mysql', host: 'my.internal', port: 3306, database: 'client_acme', user: 'dv_jdoe_acme_5hepchf4ytua', secretName: 'dev-vm/db/developer/jdoe/acme' },
      ],
    });
  });

  it('lists a database line only for each enabled engine', () => {
    const vm = toVm(instance(baseTags), { ...ctx, databases: { mysql: { host: 'my', port: 3306 } } });
    expect(vm.connection.databases.map((d) => d.engine)).toEqual(['mysql']);
  });

  it('reports a start that fell back to stopped for lack of capacity as failed, with the reason', () => {
    const vm = toVm(
      instance(baseTags, {
        State: { Name: 'stopped', Code: 80 },
        StateReason: { Code: 'Server.InsufficientInstanceCapacity', Message: 'Server.InsufficientInstanceCapacity: Insufficient capacity.' },
      }),
      ctx,
    );
    expect(vm.state).toBe('failed');
    expect(vm.stateReason).toContain('Insufficient capacity');
  });

  it('keeps a VM with a hand-edited malformed schedule tag readable and reports the problem', () => {
    const vm = toVm(instance({ ...baseTags, [Tag.AutoStop]: '25:99', [Tag.AutoSchedule]: 'off' }), ctx);
    expect(vm.schedule).toEqual({ start: '08:00', timezone: 'Europe/London', days: 'MON-FRI', enabled: false });
    expect(vm.scheduleError).toContain('AutoStop');
  });

  it('rejects an instance without this stack\'s ManagedBy tag or without identity tags', () => {
    expect(() => toVm(instance({ ...baseTags, [Tag.ManagedBy]: 'someone-else' }), ctx)).toThrow(NotAManagedVmError);
    const { [Tag.DeveloperName]: _, ...noDev } = baseTags;
    expect(() => toVm(instance(noDev), ctx)).toThrow(/DeveloperName/);
  });

  it('names the DB secret of a (developer, client) pair from one function and refuses unsafe names', () => {
    expect(developerClientDbSecretName('dev-vm/', 'jdoe', 'acme')).toBe('dev-vm/db/developer/jdoe/acme');
    expect(legacyDeveloperDbSecretName('dev-vm/', 'jdoe')).toBe('dev-vm/db/developer/jdoe');
    expect(() => developerClientDbSecretName('dev-vm/', '../x', 'acme')).toThrow();
    expect(() => developerClientDbSecretName('dev-vm/', 'jdoe', 'a/b')).toThrow();
  });

  it('names one login per (developer, client): readable, at most 32 characters, distinct for pairs with the same heads', () => {
    expect(developerClientLoginName('jdoe', 'acme')).toBe('dv_jdoe_acme_5hepchf4ytua');
    const longest = developerClientLoginName('x'.repeat(24), 'y'.repeat(24));
    expect(longest).toMatch(/^dv_x{8}_y{7}_[a-z2-7]{12}$/);
    expect(longest.length).toBeLessThanOrEqual(32);
    // Truncation never ends in a separator, and the hash tells apart what the heads do not.
    expect(developerClientLoginName('abcdefg-hij', 'acme')).toMatch(/^dv_abcdefg_acme_[a-z2-7]{12}$/);
    const sameHeads = [developerClientLoginName('abcdefghij', 'client-one'), developerClientLoginName('abcdefghik', 'client-one'), developerClientLoginName('abcdefghij', 'client-two')];
    expect(new Set(sameHeads).size).toBe(3);
    expect(developerClientLoginName('jdoe', 'acme')).not.toBe(developerClientLoginName('acme', 'jdoe'));
    expect(() => developerClientLoginName('Bob', 'acme')).toThrow();
  });
});
