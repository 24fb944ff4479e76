import { DEFAULT_SETTINGS, FIELD_ROLES, WRITE_BACK_ROLES, type Settings } from '../../src/contract/settings';
import { settingLabel } from '../../src/domain/setting-labels';

/** Every setting has a label a person reads, never a path. */

/** Every leaf path of a complete settings object (each optional part filled in). */
function leaves(value: unknown, prefix = ''): string[] {
  if (value && typeof value === 'object' && !Array.isArray(value)) return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
  return [prefix];
}

const complete: Settings = {
  ...DEFAULT_SETTINGS,
  apiUrl: 'https://abc.lambda-url.eu-west-1.on.aws/',
  region: 'eu-west-1',
  statuses: { provision: ['1'], stop: ['2'], terminate: ['3'], provisioned: '4' },
  fields: Object.fromEntries(FIELD_ROLES.map((r) => [r, `customfield_${r}`])),
  writeBack: Object.fromEntries(WRITE_BACK_ROLES.map((r) => [r, `customfield_${r}`])),
  identity: { developers: [{ developer: 'jdoe', accountId: 'a1', displayName: 'Jo', clients: ['acme'] }], knownClients: ['acme'], allowNewClients: false },
};

describe('settingLabel', () => {
  const paths = [...leaves(complete), 'secrets.accessKeyId', 'secrets.secretAccessKey', 'secrets.hmacSecret'];

  it.each(paths)('%s has a label of its own, not a path and not the catch-all', (path) => {
    const label = settingLabel(path);
    expect(label).not.toMatch(/\w\.\w/);
    expect(label).not.toBe('Settings');
  });

  it('gives every setting a label distinct from the others (so a message says which input it is about)', () => {
    const named = paths.filter((p) => !/^identity\.developers\./.test(p)).map(settingLabel);
    expect(new Set(named).size).toBe(named.length);
  });

  it('names rows by number and reads the payload path the resolver reports', () => {
    expect(settingLabel('settings.policy.idleDays')).toBe('Idle days');
    expect(settingLabel('identity.developers.2.clients.0')).toBe('Developer row 3, allowed clients');
    expect(settingLabel('identity.knownClients.1')).toBe('Known clients (entry 2)');
    expect(settingLabel('fields.client')).toBe('Client field');
    expect(settingLabel('policy.defaultSchedule.stop')).toBe('Default schedule stop');
    expect(settingLabel('something.unknown')).toBe('Settings');
  });
});
