import { randomBytes } from 'node:crypto';
import { webTrigger } from '@forge/api';
import Resolver from '@forge/resolver';
import { R, type AdminView, type ConnectionTestResult, type EventTestResult } from '../contract/resolvers';
import type { TestDelivery } from '../contract/vm-api';
import { DEFAULT_SETTINGS, maskAccessKeyId, type Settings } from '../contract/settings';
import { apiEndpointProblems } from '../domain/egress';
import { idlePolicyOf, idlePolicyProblem } from '../domain/idle-policy';
import { settingLabel } from '../domain/setting-labels';
import type { JiraField } from '../adapters/jira-client';
import type { Secrets } from '../adapters/kvs-store';
import { errorName, log } from '../adapters/log';
import { VmApiError } from '../adapters/vm-api-client';
import { define, problemsError, ResolverError } from './resolver-kit';
import { defaultVmService, type VmService } from './vm-service';

/**
 * Resolvers of the admin page. Every one first checks that the caller holds Administer Jira
 * (asked of Jira as the user, not taken from the page). Secrets go in through kvs.setSecret and
 * come back out only as "set / not set" and a masked access key id.
 */

export const LIFECYCLE_WEBTRIGGER_KEY = 'lifecycle-events';
const FIELDS_CACHE_KEY = 'jira-fields';
const FIELDS_CACHE_MINUTES = 10;

async function requireAdminOf(svc: VmService): Promise<void> {
  if (!(await svc.jira.callerIsJiraAdmin())) throw new ResolverError('FORBIDDEN', 'Only Jira administrators can view or change the Dev VM settings.');
}

type FieldOption = { id: string; name: string; custom: boolean; type?: string };
const fieldOption = (f: JiraField): FieldOption => ({ id: f.id, name: f.name, custom: f.custom, ...(f.schema?.type ? { type: f.schema.type } : {}) });

/**
 * Jira's field list, cached briefly: the admin page asks for it on every open. Only what the page
 * and the save check use is kept (a site with thousands of custom fields would otherwise exceed
 * KVS's value limit; putCached splits what is still too large).
 */
async function jiraFieldsOf(svc: VmService): Promise<FieldOption[]> {
  const { jira } = svc;
  const { getCached, putCached } = svc.store;
  const cached = await getCached<FieldOption[]>(FIELDS_CACHE_KEY);
  if (cached) return cached;
  const fields = (await jira.listFields('user')).map(fieldOption);
  await putCached(FIELDS_CACHE_KEY, fields, FIELDS_CACHE_MINUTES);
  return fields;
}

function checklist(settings: Settings, secrets: Secrets, roundTrip: { at: string } | undefined): AdminView['checklist'] {
  return [
    { id: 'apiUrl', label: 'API URL (stack output ApiUrl)', done: settings.apiUrl !== undefined },
    { id: 'region', label: 'AWS region of the stack', done: settings.region !== undefined },
    { id: 'accessKey', label: 'Access key id and secret of the stack’s Forge caller user', done: secrets.accessKeyId !== undefined && secrets.secretAccessKey !== undefined },
    { id: 'hmacSecret', label: 'Lifecycle events signing secret (the secret named by the stack output HmacSecretName)', done: secrets.hmacSecret !== undefined },
    // Done only when a signed test event made it from the stack to this app (Test connection):
    // the app reading its own URL proves nothing about what the stack was given.
    roundTrip
      ? { id: 'webtrigger', label: 'Lifecycle events URL given to the stack', done: true, verifiedAt: roundTrip.at }
      : { id: 'webtrigger', label: 'Lifecycle events URL given to the stack (run Test connection to check)', done: false },
    { id: 'provisionStatus', label: 'At least one status that provisions a VM', done: settings.statuses.provision.length > 0 },
    { id: 'fields', label: 'Client and Developer fields mapped', done: settings.fields.client !== undefined && settings.fields.developer !== undefined },
  ];
}

async function viewOf(svc: VmService): Promise<AdminView> {
  const [read, secrets, roundTrip] = await Promise.all([svc.store.readSettings(), svc.store.loadSecrets(), svc.store.loadRoundTrip()]);
  if (read.kind === 'unreadable') log.error('stored settings unreadable; the admin page shows the defaults', { problems: read.problems.join('; ') });
  const saved = read.kind === 'ok' ? read.settings : DEFAULT_SETTINGS;
  // Roles left unmapped show the app's own fields, so saving the page adopts them.
  const settings: Settings = { ...saved, fields: await svc.fieldMapping(saved) };
  let webtriggerUrl: string | undefined;
  try {
    webtriggerUrl = await webTrigger.getUrl(LIFECYCLE_WEBTRIGGER_KEY);
  } catch (e) {
    log.warn('Lifecycle events URL unavailable', { error: errorName(e) });
  }
  return {
    settings,
    secrets: {
      ...(secrets.accessKeyId ? { accessKeyIdMasked: maskAccessKeyId(secrets.accessKeyId) } : {}),
      hasSecretAccessKey: secrets.secretAccessKey !== undefined,
      hasHmacSecret: secrets.hmacSecret !== undefined,
    },
    ...(webtriggerUrl ? { webtriggerUrl } : {}),
    checklist: checklist(settings, secrets, roundTrip),
    ...(read.kind === 'unreadable' ? { storedSettingsUnreadable: { problems: read.problems } } : {}),
  };
}

/** Dotted paths whose values differ, e.g. `statuses.provision`, `fields.client`. */
export function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(before) && isObj(after) && prefix.split('.').length < 3) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => changedPaths(before[k], after[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [prefix];
}

/**
 * The reconciler's idle and stop rules follow the admin page: after a save, the stored settings'
 * policy goes to the VM API (PUT /policy → one SSM parameter the reconciler reads each run)
 * unless the API already has exactly it. Sent after the settings are stored, with the connection
 * they configure: a failure leaves the settings saved and is sent again by the next save.
 */
async function sendIdlePolicyOf(svc: VmService): Promise<void> {
  const { api, settings } = await svc.loadConfig();
  if (!api) return;
  const policy = idlePolicyOf(settings);
  // What was sent is remembered with the stack it went to: another stack (API URL or region) has
  // its own parameter, which holds the stack's defaults until the rules are sent there.
  const sent = { apiUrl: settings.apiUrl, region: settings.region, policy };
  if (JSON.stringify(await svc.store.loadSentIdlePolicy()) === JSON.stringify(sent)) return;
  try {
    await api.call('updatePolicy', { body: policy });
  } catch (e) {
    if (!(e instanceof VmApiError)) throw e;
    const f = svc.reportFailure(e, { operation: 'updatePolicy' });
    throw new ResolverError('UPSTREAM_FAILED', `Settings saved, but the idle and stop rules did not reach the AWS stack: ${f.cause} The reconciler keeps its current rules; saving again sends them. Reference ${f.ref}.`, 'idle', f.code);
  }
  await svc.store.saveSentIdlePolicy(sent);
  log.info('idle policy sent to the VM API', { idleStopMinutes: policy.idleStopMinutes, idleDays: policy.idleDays });
}

interface SettingsProblem {
  field: string;
  label: string;
  message: string;
}

/**
 * The checks the contract cannot make, every problem at once (the admin fixes them in one pass),
 * each under its setting's label: the idle rules, the API URL against the region, statuses named
 * twice or unknown to Jira, fields unknown to Jira. Jira's lists are read only when something
 * names a status or a field.
 */
async function settingsProblems(svc: VmService, settings: Settings): Promise<SettingsProblem[]> {
  const problems: SettingsProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, label: settingLabel(field), message });
  const idle = idlePolicyProblem(settings);
  if (idle) add(idle.field, idle.message);
  if ((settings.apiUrl === undefined) !== (settings.region === undefined)) {
    add(settings.apiUrl === undefined ? 'apiUrl' : 'region', 'set the API URL and the region together');
  } else if (settings.apiUrl && settings.region) {
    for (const problem of apiEndpointProblems(settings.apiUrl, settings.region)) add(problem.field, problem.message);
  }
  const lists = settings.statuses;
  const named: [string, string][] = [
    ...lists.provision.map((id): [string, string] => ['statuses.provision', id]),
    ...lists.stop.map((id): [string, string] => ['statuses.stop', id]),
    ...lists.terminate.map((id): [string, string] => ['statuses.terminate', id]),
  ];
  const seen = new Map<string, string>();
  for (const [path, id] of named) {
    const other = seen.get(id);
    if (other && other !== path) add(path, `status ${id} is already in ${settingLabel(other)} (a status can mean only one thing)`);
    else seen.set(id, path);
  }
  const toCheck: [string, string][] = lists.provisioned ? [...named, ['statuses.provisioned', lists.provisioned]] : named;
  if (toCheck.length > 0) {
    const known = new Set((await svc.jira.listStatuses('user')).map((st) => st.id));
    for (const [path, id] of toCheck) if (!known.has(id)) add(path, `Jira has no status ${id}`);
  }
  const mappedIds = [...Object.entries(settings.fields).map(([r, id]) => [`fields.${r}`, id]), ...Object.entries(settings.writeBack).map(([r, id]) => [`writeBack.${r}`, id])];
  if (mappedIds.length > 0) {
    const known = new Set((await jiraFieldsOf(svc)).map((f) => f.id));
    for (const [path, id] of mappedIds) if (path && id && !known.has(id)) add(path, `Jira has no field ${id}`);
  }
  return problems;
}

/** Refuse settings with problems, naming every one under its label; the first one's field travels as `field`. */
async function validateSettingsOf(svc: VmService, settings: Settings): Promise<void> {
  const problems = await settingsProblems(svc, settings);
  if (problems.length > 0) throw problemsError(problems);
}

/** A refused or reset connection is `network` (nothing answered), not an error the API sent. */
function connectionReason(e: VmApiError): string {
  return e.kind === 'rejected' ? 'http' : e.kind;
}

/**
 * The API waits up to 12 s for the notifier's report (infra-cdk/lambda/vm-api/test-event.ts); the
 * resolver must answer within 25 s (https://developer.atlassian.com/platform/forge/platform-quotas-and-limits/),
 * after the health call.
 */
const TEST_EVENT_TIMEOUT_MS = 15_000;

type Api = NonNullable<Awaited<ReturnType<VmService['loadConfig']>>['api']>;

/**
 * The stack sends a signed test event to the Lifecycle events URL (POST /test-event); the web
 * trigger records its verdict under the nonce opened here. Both reports together say where the
 * chain breaks: the app saw it verified, saw it with another signature, or never saw it (and the
 * stack says what the URL answered it).
 */
async function testEventRoundTrip(svc: VmService, api: Api): Promise<EventTestResult> {
  const nonce = randomBytes(18).toString('base64url');
  await svc.store.openConnectionTest(nonce, Date.now());
  let delivery: TestDelivery;
  try {
    delivery = await api.call('sendTestEvent', { body: { nonce } }, { timeoutMs: TEST_EVENT_TIMEOUT_MS });
  } catch (e) {
    if (!(e instanceof VmApiError)) throw e;
    log.warn('test event not sent', { kind: e.kind, ...(e.status !== undefined ? { status: e.status } : {}) });
    return stackFailedResult(e.status);
  }
  const verdict = await svc.store.readConnectionTest(nonce, Date.now());
  return eventTestResult(verdict?.state === 'verified' ? 'verified' : verdict?.state === 'refused' ? (verdict.reason ?? 'bad-signature') : undefined, delivery);
}

/** The API did not send the test event; its own message stays in the log (it may name internals). */
export function stackFailedResult(status: number | undefined): EventTestResult {
  // A stack deployed before the connection test has no such route.
  if (status === 404 || status === 405) return { outcome: 'stack-failed', status, message: 'The stack does not know the connection test yet (deployed before it): run npx cdk deploy in infra-cdk/ and test again.' };
  return { outcome: 'stack-failed', ...(status !== undefined ? { status } : {}), message: `The stack could not send a test event${status !== undefined ? ` (it answered HTTP ${status})` : ' (no answer)'}.` };
}

/** The two reports in the admin's words. `verdict`: the web trigger's (undefined: it never saw the event). */
export function eventTestResult(verdict: string | undefined, delivery: TestDelivery): EventTestResult {
  if (verdict === 'verified') return { outcome: 'verified', message: 'A signed test event from the stack arrived at the Lifecycle events URL and verified.' };
  if (verdict !== undefined) {
    const why =
      verdict === 'no-secret'
        ? 'this app has no signing secret saved'
        : verdict === 'stale-timestamp'
          ? 'its timestamp is more than 5 minutes off this app’s clock'
          : 'it was signed with a different secret than the one saved here';
    return { outcome: 'wrong-secret', message: `A test event from the stack arrived, but its signature did not verify: ${why}. The app ignores such events.` };
  }
  switch (delivery.state) {
    case 'answered':
      return delivery.status >= 200 && delivery.status < 300
        ? { outcome: 'not-arrived', status: delivery.status, message: `The URL the stack has answered HTTP ${delivery.status}, but this app never received the test event: the stack has the Lifecycle events URL of another installation.` }
        : { outcome: 'not-arrived', status: delivery.status, message: `The test event did not arrive: the URL the stack has answered HTTP ${delivery.status}${delivery.status === 404 ? ' (no web trigger there: not deployed, or a wrong URL)' : ''}.` };
    case 'not-configured':
      return { outcome: 'not-arrived', message: 'The test event was not sent: the stack has no Lifecycle events URL yet.' };
    case 'unreachable':
      return { outcome: 'not-arrived', message: `The test event did not arrive: nothing answered at the URL the stack has (${delivery.detail === 'timeout' ? 'no answer in time' : 'connection failed'}).` };
    case 'pending':
      return { outcome: 'not-arrived', message: 'The test event did not arrive: the stack reported no delivery in time. Check the stack’s notifier logs.' };
  }
}

export function buildAdminResolver(svc: VmService = defaultVmService()): Resolver {
  const { jira, loadConfig } = svc;
  const { dropCached, loadSettings, saveSecrets, saveSettings } = svc.store;
  const requireAdmin = () => requireAdminOf(svc);
  const jiraFields = () => jiraFieldsOf(svc);
  const view = () => viewOf(svc);
  const validateSettings = (settings: Settings) => validateSettingsOf(svc, settings);
  const resolver = new Resolver();
  define(resolver, R.adminGet, async () => {
    await requireAdmin();
    return view();
  });

  define(
    resolver,
    R.adminSave,
    async ({ settings, secrets }) => {
    await requireAdmin();
    await validateSettings(settings);
    const before = await loadSettings();
    const changed = changedPaths(before, settings);
    if (changed.length > 0) await saveSettings(settings);
    const secretChanges = await saveSecrets(secrets);
    // Another stack or another secret: the last round trip no longer proves anything.
    if (secretChanges.includes('hmacSecret') || changed.includes('apiUrl') || changed.includes('region')) await svc.store.forgetRoundTrip();
    // Mapped fields may be new custom fields: let the next list show them.
    if (changed.some((c) => c.startsWith('fields') || c.startsWith('writeBack'))) await dropCached(FIELDS_CACHE_KEY);
    log.info('settings saved', { changed: [...changed, ...secretChanges.map((s) => `secrets.${s}`)].join(',') });
    await sendIdlePolicyOf(svc);
    return { changed: [...changed, ...secretChanges.map((s) => `secrets.${s}`)], view: await view() };
    },
    { label: settingLabel, prefix: 'settings.' },
  );

  define(resolver, R.adminTestConnection, async (): Promise<ConnectionTestResult> => {
    await requireAdmin();
    const { api, missing, settings } = await loadConfig();
    if (!api) return { ok: false, reason: 'not-configured', message: `Set ${missing.join(', ')} first.` };
    let connected: string;
    try {
      const health = await api.call('health');
      if (settings.region && health.region !== settings.region) {
        return { ok: false, reason: 'bad-response', message: `The API runs in ${health.region} but the settings say ${settings.region}; signatures will not match.`, status: 200 };
      }
      connected = `Connected to VM API ${health.version} in ${health.region}.`;
    } catch (e) {
      if (!(e instanceof VmApiError)) throw e;
      return { ok: false, reason: connectionReason(e), message: e.message, ...(e.status !== undefined ? { status: e.status } : {}) };
    }
    const events = await testEventRoundTrip(svc, api);
    if (events.outcome === 'verified') await svc.store.saveRoundTrip(new Date().toISOString());
    const { checklist } = await view();
    return {
      ok: events.outcome === 'verified',
      ...(events.outcome === 'verified' ? {} : { reason: `events-${events.outcome}` }),
      message: connected,
      status: 200,
      events,
      checklist,
    };
  });

  define(resolver, R.adminListStatuses, async () => {
    await requireAdmin();
    const statuses = await jira.listStatuses('user');
    return {
      statuses: statuses
        .map((s) => ({ id: s.id, name: s.name, ...(s.statusCategory?.name ? { category: s.statusCategory.name } : {}) }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    };
  });

  define(resolver, R.adminListFields, async () => {
    await requireAdmin();
    const fields = await jiraFields();
    return {
      fields: [...fields].sort((a, b) => a.name.localeCompare(b.name)),
    };
  });

  // The identity map's user picker: Jira's own user search, as the admin.
  define(resolver, R.adminSearchUsers, async ({ query }) => {
    await requireAdmin();
    return { users: await jira.searchUsers(query) };
  });
  return resolver;
}

export const adminResolver = buildAdminResolver().getDefinitions();
