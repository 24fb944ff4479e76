import { DEFAULT_SETTINGS, type Identity, type IdentityEntry, type Settings } from '../src/contract/settings';
import { createForgeStandIn, type ForgeStandIn } from './forge-runtime';
import type { SeedIssue } from './jira-stand-in';
import type { VmApiStandIn } from './vm-api-server';

/**
 * A Jira site as the handler tests use it: statuses of a dev-VM workflow, the request fields as
 * custom fields, one well-filled issue, and (optionally) the app configured against a running
 * VM API stand-in.
 */

export const STATUS = { open: '1', inProgress: '3', ready: '10001', provisioned: '10002', inUse: '10003', parked: '10004', done: '10005', retired: '10006' } as const;
export const FIELD = {
  client: 'customfield_10050',
  developer: 'customfield_10051',
  instanceType: 'customfield_10052',
  os: 'customfield_10053',
  start: 'customfield_10054',
  stop: 'customfield_10055',
  timezone: 'customfield_10056',
  days: 'customfield_10057',
  costCenter: 'customfield_10058',
  instanceIdOut: 'customfield_10060',
  amiOut: 'customfield_10061',
  ipOut: 'customfield_10062',
} as const;
export const PEOPLE = { reporter: '5b10a2844c20165700ede21a', assignee: '5b10a2844c20165700ede21b', admin: '5b10a2844c20165700ede21c', other: '5b10a2844c20165700ede21d' } as const;
export const HMAC_SECRET = 'whsec-0123456789abcdef0123456789abcdef';

export function goodIssue(over: Partial<SeedIssue> = {}): SeedIssue {
  return {
    id: '10042',
    key: 'OPS-42',
    statusId: STATUS.inProgress,
    reporter: PEOPLE.reporter,
    assignee: PEOPLE.assignee,
    fields: {
      summary: 'Dev VM for jdoe',
      [FIELD.client]: 'acme-corp',
      [FIELD.developer]: 'jdoe',
      [FIELD.instanceType]: { value: 't3.large', id: '10100' },
      [FIELD.os]: { value: 'ubuntu-24.04', id: '10101' },
      [FIELD.start]: '08:30',
      [FIELD.stop]: '18:00',
      [FIELD.timezone]: 'Europe/Berlin',
      [FIELD.days]: [{ value: 'MON' }, { value: 'TUE' }, { value: 'WED' }, { value: 'THU' }, { value: 'FRI' }],
    },
    ...over,
  };
}

export function site(issues: SeedIssue[] = [goodIssue()]): ForgeStandIn {
  return createForgeStandIn({
    issues,
    statuses: [
      { id: STATUS.open, name: 'Open', category: 'new' },
      { id: STATUS.inProgress, name: 'In Progress', category: 'indeterminate' },
      { id: STATUS.ready, name: 'Ready', category: 'indeterminate' },
      { id: STATUS.provisioned, name: 'Provisioned', category: 'indeterminate' },
      { id: STATUS.inUse, name: 'In Use', category: 'indeterminate' },
      { id: STATUS.parked, name: 'Parked', category: 'indeterminate' },
      { id: STATUS.done, name: 'Done', category: 'done' },
      { id: STATUS.retired, name: 'Retired', category: 'done' },
    ],
    fields: [
      { id: 'summary', name: 'Summary', custom: false },
      { id: FIELD.client, name: 'Client' },
      { id: FIELD.developer, name: 'Developer' },
      { id: FIELD.instanceType, name: 'Instance type', type: 'option' },
      { id: FIELD.os, name: 'OS', type: 'option' },
      { id: FIELD.start, name: 'Start time' },
      { id: FIELD.stop, name: 'Stop time' },
      { id: FIELD.timezone, name: 'Timezone' },
      { id: FIELD.days, name: 'Days', type: 'array' },
      { id: FIELD.costCenter, name: 'Cost center' },
      { id: FIELD.instanceIdOut, name: 'Instance ID' },
      { id: FIELD.amiOut, name: 'AMI ID' },
      { id: FIELD.ipOut, name: 'Private IP' },
    ],
    transitions: [
      { id: '21', name: 'Start work', to: STATUS.inProgress },
      { id: '31', name: 'Ready for VM', to: STATUS.ready },
      { id: '41', name: 'Provisioned', to: STATUS.provisioned },
      { id: '51', name: 'Done', to: STATUS.done },
    ],
    admins: [PEOPLE.admin],
    users: [
      { accountId: PEOPLE.reporter, displayName: 'Rita Reporter' },
      { accountId: PEOPLE.assignee, displayName: 'Jo Doe' },
      { accountId: PEOPLE.admin, displayName: 'Ada Admin' },
      { accountId: PEOPLE.other, displayName: 'Otto Other' },
    ],
  });
}

/**
 * An identity map: the given developers (any client unless said) and the demo's known clients.
 * The default maps the fixture issue's developer `jdoe` to its assignee.
 */
export function identityFor(developers: (Omit<IdentityEntry, 'clients'> & Partial<Pick<IdentityEntry, 'clients'>>)[] = [{ developer: 'jdoe', accountId: PEOPLE.assignee }], over: Partial<Identity> = {}): Identity {
  return { developers: developers.map((d) => ({ clients: 'any', ...d })), knownClients: ['acme-corp', 'acme'], allowNewClients: false, ...over };
}

export function settingsFor(api: VmApiStandIn | undefined, over: Partial<Settings> = {}): Settings {
  return {
    ...DEFAULT_SETTINGS,
    ...(api ? { apiUrl: api.url, region: api.region } : {}),
    statuses: { provision: [STATUS.ready], stop: [STATUS.parked], terminate: [STATUS.retired], provisioned: STATUS.provisioned },
    onClose: 'stop',
    fields: {
      client: FIELD.client,
      developer: FIELD.developer,
      instanceType: FIELD.instanceType,
      os: FIELD.os,
      start: FIELD.start,
      stop: FIELD.stop,
      timezone: FIELD.timezone,
      days: FIELD.days,
      costCenter: FIELD.costCenter,
    },
    writeBack: { instanceId: FIELD.instanceIdOut, amiId: FIELD.amiOut, privateIp: FIELD.ipOut },
    policy: { ...DEFAULT_SETTINGS.policy, allowedInstanceTypes: ['t3.medium', 't3.large'], allowedOs: ['al2023', 'ubuntu-24.04'] },
    identity: identityFor(),
    ...over,
  };
}

/** Store settings and secrets the way the admin page's save does (KVS values and secrets). */
export function configure(forge: ForgeStandIn, api: VmApiStandIn | undefined, over: Partial<Settings> = {}): Settings {
  const s = settingsFor(api, over);
  const t = Date.now();
  forge.kvs.values.set('settings:v1', { value: JSON.parse(JSON.stringify(s)), createdAt: t, updatedAt: t });
  if (api) {
    forge.kvs.secrets.set('secret:aws-access-key-id', { value: api.credentials.accessKeyId, createdAt: t, updatedAt: t });
    forge.kvs.secrets.set('secret:aws-secret-access-key', { value: api.credentials.secretAccessKey, createdAt: t, updatedAt: t });
  }
  forge.kvs.secrets.set('secret:webtrigger-hmac', { value: HMAC_SECRET, createdAt: t, updatedAt: t });
  return s;
}

/** The `avi:jira:updated:issue` payload Forge sends for a status change (fields trimmed). */
export function statusChangedEvent(issue: { id: string; key: string }, from: string, to: string, changelogId = '10400'): Record<string, unknown> {
  return {
    eventType: 'avi:jira:updated:issue',
    atlassianId: PEOPLE.assignee,
    issue: { id: issue.id, key: issue.key, fields: { summary: 'Dev VM for jdoe' } },
    associatedUsers: [{ accountId: PEOPLE.assignee }],
    changelog: {
      id: changelogId,
      items: [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from, fromString: 'From', to, toString: 'To' }],
    },
  };
}
