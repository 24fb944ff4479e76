import { FIELD_ROLE_LABELS, type FieldRole, type WriteBackRole } from '../contract/settings';

/**
 * Every setting of the Dev VM settings page by the name the page shows, for the page's own checks,
 * its save result and the resolver's validation answers: one place, so a person never reads a
 * setting path (`policy.idleDays`) or has to guess which input a message is about.
 */

const WRITE_BACK_LABELS: Record<WriteBackRole, string> = { instanceId: 'Instance id', amiId: 'AMI id', privateIp: 'Private IP' };
export { WRITE_BACK_LABELS };

const LABELS: Record<string, string> = {
  apiUrl: 'API URL',
  region: 'Region',
  statuses: 'Workflow statuses',
  'statuses.provision': 'Provisioning statuses',
  'statuses.stop': 'Stopping statuses',
  'statuses.terminate': 'Terminating statuses',
  'statuses.provisioned': 'Status after the first run',
  onClose: 'When an issue is closed',
  fields: 'Issue fields',
  writeBack: 'Fields written back by the app',
  comments: 'Comments',
  'comments.scheduledStartStop': 'Daily scheduled starts and stops',
  'comments.deferredStop': 'Comment on deferred stops',
  policy: 'Policy',
  'policy.allowedInstanceTypes': 'Allowed instance types',
  'policy.allowedOs': 'Allowed operating systems',
  'policy.defaultSchedule': 'Default schedule',
  'policy.defaultSchedule.start': 'Default schedule start',
  'policy.defaultSchedule.stop': 'Default schedule stop',
  'policy.defaultSchedule.timezone': 'Default schedule time zone',
  'policy.defaultSchedule.days': 'Default working days',
  'policy.defaultSchedule.enabled': 'Default schedule on',
  'policy.idleDays': 'Idle days',
  idle: 'Idle and stop rules',
  'idle.idleStopMinutes': 'Idle stop minutes',
  'idle.idleWarningDays': 'Idle warning days',
  'idle.cpuBusyPercent': 'CPU activity threshold',
  'idle.cpuBusyMinutes': 'CPU activity minutes',
  'idle.stopDeferStepMinutes': 'Busy stop deferral step',
  'idle.stopDeferMaxMinutes': 'Busy stop deferral maximum',
  identity: 'Developers and clients',
  'identity.developers': 'Developers and their Jira users and clients',
  'identity.knownClients': 'Known clients',
  'identity.allowNewClients': 'Allow new clients',
  secrets: 'Secrets',
  'secrets.accessKeyId': 'Access key id',
  'secrets.secretAccessKey': 'Secret access key',
  'secrets.hmacSecret': 'Lifecycle events signing secret',
};

const ROW_PARTS: Record<string, string> = { developer: 'developer name', accountId: 'Jira user', clients: 'allowed clients', displayName: 'name' };

/**
 * The label of a setting path as the page and the resolvers spell it (`policy.idleDays`,
 * `settings.policy.idleDays`, `identity.developers.2.clients.0`): rows are named by number, an
 * unknown tail falls back to its nearest labelled parent. Never returns a path.
 */
export function settingLabel(path: string): string {
  const parts = path.replace(/^settings\./, '').split('.').filter(Boolean);
  const [head, second, third, fourth] = parts;
  if (head === 'fields' && second && second in FIELD_ROLE_LABELS) return `${FIELD_ROLE_LABELS[second as FieldRole]} field`;
  if (head === 'writeBack' && second && second in WRITE_BACK_LABELS) return `${WRITE_BACK_LABELS[second as WriteBackRole]} write-back field`;
  if (head === 'identity' && second === 'developers' && third !== undefined && /^\d+$/.test(third)) {
    const row = `Developer row ${Number(third) + 1}`;
    return fourth && ROW_PARTS[fourth] ? `${row}, ${ROW_PARTS[fourth]}` : row;
  }
  if (head === 'identity' && second === 'knownClients' && third !== undefined && /^\d+$/.test(third)) return `Known clients (entry ${Number(third) + 1})`;
  for (let n = parts.length; n > 0; n--) {
    const label = LABELS[parts.slice(0, n).join('.')];
    if (label) return label;
  }
  return 'Settings';
}
