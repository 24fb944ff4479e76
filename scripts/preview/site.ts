import type { JiraSeed } from '../../local/jira-stand-in';

/**
 * The simulated Jira site of the preview and the end-to-end test: a dev-VM workflow, the request
 * fields as custom fields, one filled-in request issue, a developer (reporter and assignee) and
 * a Jira administrator. Ids look like Jira Cloud's so the OpenAPI-checked stand-in accepts them.
 */

export const STATUS = { open: '1', inProgress: '3', ready: '10001', provisioned: '10002', inUse: '10003', closed: '6' } as const;

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

export const PEOPLE = {
  developer: { accountId: '5b10a2844c20165700ede21b', name: 'Jo Doe (developer)' },
  admin: { accountId: '5b10a2844c20165700ede21c', name: 'Ada Admin (Jira administrator)' },
  projectAdmin: { accountId: '5b10a2844c20165700ede21e', name: 'Pat Lead (administrator of project OPS)' },
} as const;

export const ISSUE = { id: '10001', key: 'OPS-1' } as const;

/** The workflow's transitions (global, as in a simple company-managed workflow). */
export const TRANSITIONS = [
  { id: '11', name: 'Start work', to: STATUS.inProgress },
  { id: '21', name: 'Ready', to: STATUS.ready },
  { id: '31', name: 'Provisioned', to: STATUS.provisioned },
  { id: '41', name: 'In use', to: STATUS.inUse },
  { id: '51', name: 'Closed', to: STATUS.closed },
  { id: '61', name: 'Reopen', to: STATUS.open },
] as const;

export interface RequestValues {
  client: string;
  developer: string;
  instanceType: string;
  os: string;
  start: string;
  stop: string;
  timezone: string;
  days: readonly string[];
}

export const DEFAULT_REQUEST: RequestValues = {
  client: 'acme-corp',
  developer: 'jdoe',
  instanceType: 't3.large',
  os: 'ubuntu-24.04',
  start: '08:00',
  stop: '18:00',
  timezone: 'Europe/Berlin',
  days: ['MON', 'TUE', 'WED', 'THU', 'FRI'],
};

export function siteSeed(request: RequestValues = DEFAULT_REQUEST): JiraSeed {
  return {
    issues: [
      {
        id: ISSUE.id,
        key: ISSUE.key,
        statusId: STATUS.inProgress,
        reporter: PEOPLE.developer.accountId,
        assignee: PEOPLE.developer.accountId,
        fields: {
          summary: `Dev VM for ${request.developer} (${request.client})`,
          [FIELD.client]: request.client,
          [FIELD.developer]: request.developer,
          [FIELD.instanceType]: { value: request.instanceType, id: '10100' },
          [FIELD.os]: { value: request.os, id: '10101' },
          [FIELD.start]: request.start,
          [FIELD.stop]: request.stop,
          [FIELD.timezone]: request.timezone,
          [FIELD.days]: request.days.map((value) => ({ value })),
        },
      },
    ],
    statuses: [
      { id: STATUS.open, name: 'Open', category: 'new' },
      { id: STATUS.inProgress, name: 'In Progress', category: 'indeterminate' },
      { id: STATUS.ready, name: 'Ready', category: 'indeterminate' },
      { id: STATUS.provisioned, name: 'Provisioned', category: 'indeterminate' },
      { id: STATUS.inUse, name: 'In Use', category: 'indeterminate' },
      { id: STATUS.closed, name: 'Closed', category: 'done' },
    ],
    fields: [
      { id: 'summary', name: 'Summary', custom: false },
      { id: FIELD.client, name: 'Client' },
      { id: FIELD.developer, name: 'Developer' },
      { id: FIELD.instanceType, name: 'Instance type', type: 'option' },
      { id: FIELD.os, name: 'Operating system', type: 'option' },
      { id: FIELD.start, name: 'Start time' },
      { id: FIELD.stop, name: 'Stop time' },
      { id: FIELD.timezone, name: 'Time zone' },
      { id: FIELD.days, name: 'Working days', type: 'array' },
      { id: FIELD.costCenter, name: 'Cost center' },
      { id: FIELD.instanceIdOut, name: 'Instance ID' },
      { id: FIELD.amiOut, name: 'AMI ID' },
      { id: FIELD.ipOut, name: 'Private IP' },
    ],
    transitions: TRANSITIONS.map((t) => ({ ...t })),
    admins: [PEOPLE.admin.accountId],
    users: Object.values(PEOPLE).map((p) => ({ accountId: p.accountId, displayName: p.name })),
    projectAdmins: { OPS: [PEOPLE.projectAdmin.accountId] },
  };
}
