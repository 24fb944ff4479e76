import { SecretsInput, Settings, type SettingsInput } from '../../../src/contract/settings';
import { plainIssueMessage } from '../../../src/domain/plain-issue';

/** The admin form's values and their validation against the contract (the backend validates the same schemas). */
export interface SecretDrafts {
  accessKeyId: string;
  secretAccessKey: string;
  hmacSecret: string;
}

export type FieldErrors = Record<string, string>;

/**
 * Secrets travel only when typed: absent = keep the saved value (the page never sees it). Pasted
 * values are trimmed: neither AWS keys nor the stack's generated HMAC secret contain whitespace,
 * and a trailing newline from a copy would make every signature fail.
 */
export function secretsPayload(d: SecretDrafts): SecretsInput {
  const out: SecretsInput = {};
  const accessKeyId = d.accessKeyId.trim();
  const secretAccessKey = d.secretAccessKey.trim();
  const hmacSecret = d.hmacSecret.trim();
  if (accessKeyId) out.accessKeyId = accessKeyId;
  if (secretAccessKey) out.secretAccessKey = secretAccessKey;
  if (hmacSecret) out.hmacSecret = hmacSecret;
  return out;
}

/** Every problem at once, keyed by the dotted path the inputs use as their name (`policy.idleDays`). */
export function validate(settings: SettingsInput, secrets: SecretDrafts): { ok: true; settings: Settings; secrets: SecretsInput } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const s = Settings.safeParse(settings);
  if (!s.success) for (const i of s.error.issues) errors[i.path.map(String).join('.') || 'settings'] ??= plainIssueMessage(i as Parameters<typeof plainIssueMessage>[0]);
  const payload = secretsPayload(secrets);
  const k = SecretsInput.safeParse(payload);
  if (!k.success) for (const i of k.error.issues) errors[`secrets.${i.path.map(String).join('.')}`] ??= plainIssueMessage(i as Parameters<typeof plainIssueMessage>[0]);
  if (!s.success || !k.success) return { ok: false, errors };
  return { ok: true, settings: s.data, secrets: k.data };
}

/** What each field role should be mapped to, shown next to the field select. */
export const FIELD_HINTS: Record<string, { hint: string; types: string[] }> = {
  client: { hint: 'a short text or a select list (e.g. “acme-corp”)', types: ['string', 'option'] },
  developer: { hint: 'a user picker or a short text (the developer’s login, e.g. “jdoe”)', types: ['user', 'string', 'option'] },
  instanceType: { hint: 'a select list or text with values such as “t3.large”', types: ['option', 'string'] },
  os: { hint: 'a select list or text with al2023, ubuntu-24.04 or rhel-9', types: ['option', 'string'] },
  start: { hint: 'a text field holding HH:MM (e.g. 08:00)', types: ['string'] },
  stop: { hint: 'a text field holding HH:MM (e.g. 18:00)', types: ['string'] },
  timezone: { hint: 'a text or select field holding an IANA zone such as Europe/Berlin', types: ['string', 'option'] },
  days: { hint: 'a text field (MON-FRI) or a checkbox / multi-select of days', types: ['string', 'array', 'option'] },
  costCenter: { hint: 'optional: a short text or a select list (e.g. “CC-1234”); becomes the CostCenter tag in AWS', types: ['string', 'option'] },
  instanceId: { hint: 'a text field the app writes the instance id into', types: ['string'] },
  amiId: { hint: 'a text field the app writes the AMI id into', types: ['string'] },
  privateIp: { hint: 'a text field the app writes the private IP into', types: ['string'] },
};

/** What the server's reason code for a failed connection test means for the admin. */
export const CONNECTION_ADVICE: Record<string, string> = {
  dns: 'The API URL’s host name does not resolve. Copy the ApiUrl output of the AWS stack again.',
  timeout: 'The API did not answer in time. Check the URL and that the stack is deployed in that region.',
  egress: 'Forge refused to call this URL: the app’s egress (manifest.yml) does not list the stack’s region. Add it, deploy the app again and accept the new consent.',
  signature: 'AWS rejected the request signature. Check the access key id, the secret access key and the region.',
  'not-found': 'The URL answers, but not as the Dev VM API. Use the ApiUrl output of the stack.',
  'not-configured': 'Enter the API URL, the region and both keys, save, then test again.',
  'bad-response': 'The API answered with something unexpected. Check that the stack version matches the app, and its logs.',
  network: 'Nothing answered at this URL (connection refused or reset). Check the API URL and that the stack is deployed.',
  http: 'The API answered with an error. Check the stack’s logs in CloudWatch.',
  'events-wrong-secret':
    'Copy the value of the secret named by the stack output HmacSecretName into “Lifecycle events signing secret” above, save, and test again. Until then the app ignores every lifecycle event.',
  'events-not-arrived':
    'Give the stack the Lifecycle events URL shown above: set "webtriggerUrl" in infra-cdk/config/default.json, run npx cdk deploy in infra-cdk/, and test again. Until then VM state changes do not reach Jira.',
  'events-stack-failed': 'Check the stack’s VM API logs in CloudWatch (the test event is put on its lifecycle event bus), then test again.',
};
