import { FIELD_ROLE_LABELS, ON_CLOSE_ACTIONS, SCHEDULED_START_STOP_MODES, WRITE_BACK_ROLES } from '../../../src/contract/settings';

/** The admin page's words for each setting: one place, used by the inputs, the save result and the error lists. */

export const ON_CLOSE_LABELS: Record<(typeof ON_CLOSE_ACTIONS)[number], string> = {
  nothing: 'Do nothing (the VM keeps its schedule)',
  stop: 'Stop the VM (home and databases kept)',
  terminate: 'Terminate the VM (home and databases kept)',
};
export const SCHEDULED_START_STOP_LABELS: Record<(typeof SCHEDULED_START_STOP_MODES)[number], string> = {
  comment: 'Comment on the issue',
  silent: 'Update the panel only (no comment)',
};
export const WRITE_BACK_LABELS: Record<(typeof WRITE_BACK_ROLES)[number], string> = { instanceId: 'Instance id', amiId: 'AMI id', privateIp: 'Private IP' };

/** The save result names what changed in the words of the page, not as setting paths. */
const CHANGE_LABELS: Record<string, string> = {
  apiUrl: 'API URL',
  region: 'Region',
  'statuses.provision': 'Provisioning statuses',
  'statuses.stop': 'Stopping statuses',
  'statuses.terminate': 'Terminating statuses',
  'statuses.provisioned': 'Status after the first run',
  onClose: 'When an issue is closed',
  'comments.scheduledStartStop': 'Daily scheduled starts and stops',
  'policy.allowedInstanceTypes': 'Allowed instance types',
  'policy.allowedOs': 'Allowed operating systems',
  'policy.defaultSchedule': 'Default schedule',
  'policy.idleDays': 'Idle days before termination',
  'identity.developers': 'Developers and their Jira users and clients',
  'identity.knownClients': 'Known clients',
  'identity.allowNewClients': 'Allow new clients',
  'secrets.accessKeyId': 'Access key id',
  'secrets.secretAccessKey': 'Secret access key',
  'secrets.hmacSecret': 'Lifecycle events signing secret',
};
export function changeLabel(path: string): string {
  const [head, role] = path.split('.');
  if (head === 'fields' && role && role in FIELD_ROLE_LABELS) return `${FIELD_ROLE_LABELS[role as keyof typeof FIELD_ROLE_LABELS]} field`;
  if (head === 'writeBack' && role && role in WRITE_BACK_LABELS) return `${WRITE_BACK_LABELS[role as keyof typeof WRITE_BACK_LABELS]} write-back field`;
  return CHANGE_LABELS[path] ?? path;
}
