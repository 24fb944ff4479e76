/**
 * What a person reading a Jira comment is told when a VM API call failed: a stable code and a
 * one-line cause they (or their Jira administrator) can act on. The API's own message can name
 * databases, logins, AWS errors or the idempotency mechanics; it goes to the app log under a
 * reference that the comment shows, never into the comment. One place for the whole mapping.
 */

export const USER_ERROR_CODES = [
  'VM_API_UNREACHABLE',
  'VM_API_CREDENTIALS',
  'VM_API_URL',
  'VM_API_EGRESS',
  'REQUEST_INVALID',
  'REQUEST_CONFLICT',
  'VM_NOT_FOUND',
  'VM_API_REFUSED',
  'NO_CAPACITY',
  'AWS_BUSY',
  'AWS_FAILED',
  'DATABASE_FAILED',
] as const;
export type UserErrorCode = (typeof USER_ERROR_CODES)[number];

export interface UserError {
  code: UserErrorCode;
  /** One sentence, no internals. */
  cause: string;
}

/** The parts of a failed call that decide what to tell people (see VmApiError). */
export interface CallFailure {
  kind: 'dns' | 'timeout' | 'network' | 'egress' | 'signature' | 'not-found' | 'http' | 'bad-response' | 'rejected';
  apiCode?: string | undefined;
  field?: string | undefined;
}

const ADMIN = 'a Jira administrator can run "Test connection" on the Dev VM settings page';

/**
 * The VM API marks a failure of its database step with `field: "databases"` (see
 * infra-cdk/lambda/vm-api/provision.ts), so the database case is told apart without reading the
 * API's message.
 */
export const DATABASE_FIELD = 'databases';

export function userErrorOf(f: CallFailure): UserError {
  if (f.field === DATABASE_FIELD && f.apiCode !== 'VALIDATION_FAILED') {
    return { code: 'DATABASE_FAILED', cause: 'The AWS stack answered, but creating the client’s database or the developer’s login failed; try again in a few minutes, and if it keeps failing a Jira administrator can find the details in the app log under the reference.' };
  }
  switch (f.kind) {
    case 'dns':
    case 'timeout':
    case 'network':
      return { code: 'VM_API_UNREACHABLE', cause: `The AWS stack could not be reached (no answer); try again later, and if it keeps failing ${ADMIN}.` };
    case 'egress':
      return { code: 'VM_API_EGRESS', cause: 'Forge does not allow the app to call the stack’s region; a Jira administrator must add the region to the app’s egress list (manifest.yml) and deploy the app again.' };
    case 'signature':
      return { code: 'VM_API_CREDENTIALS', cause: 'The AWS stack refused the app’s access key; a Jira administrator should check the access key and region on the Dev VM settings page.' };
    case 'not-found':
      return { code: 'VM_API_URL', cause: 'There is no VM API at the configured address; a Jira administrator should check the API URL on the Dev VM settings page.' };
    default:
      break;
  }
  switch (f.apiCode) {
    case 'VALIDATION_FAILED':
      return { code: 'REQUEST_INVALID', cause: `The AWS stack does not accept the request${f.field && /^[A-Za-z.]{1,40}$/.test(f.field) ? ` (field ${f.field})` : ''}; check the Dev VM fields of the issue against the allowed values on the Dev VM settings page.` };
    case 'CONFLICT':
      return { code: 'REQUEST_CONFLICT', cause: 'The VM is not in a state that allows this, or the request clashes with an earlier one; refresh the Dev VM panel and try again.' };
    case 'NOT_FOUND':
      return { code: 'VM_NOT_FOUND', cause: 'The VM no longer exists for this issue; refresh the Dev VM panel.' };
    case 'NOT_ALLOWED':
    case 'UNAUTHORIZED':
      return { code: 'VM_API_REFUSED', cause: 'The AWS stack answered and refused this action; a Jira administrator should check the stack’s permissions.' };
    case 'INSUFFICIENT_CAPACITY':
      return { code: 'NO_CAPACITY', cause: 'AWS has no capacity for this instance type right now; try again later or choose another instance type.' };
    case 'THROTTLED':
      return { code: 'AWS_BUSY', cause: 'AWS is busy and asked the app to slow down; try again in a few minutes.' };
    default:
      return { code: 'AWS_FAILED', cause: 'The AWS stack answered, but the request failed inside AWS; try again in a few minutes, and if it keeps failing a Jira administrator can find the details in the app log under the reference.' };
  }
}
