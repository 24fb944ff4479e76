import { createHash, randomBytes } from 'node:crypto';
import type { Settings } from '../contract/settings';
import type { ProvisionRequest, Vm } from '../contract/vm-api';
import {
  apiGaveUpComment,
  apiRejectedComment,
  apiUnavailableComment,
  provisioningComment,
  statusActionComment,
  unreadableRecordComment,
  type ReportedFailure,
  type VmAction,
} from '../domain/comments';
import { getAppContext } from '@forge/api';
import { allRolesMapped, discoverAppFields, effectiveMapping, type AppEnvironment } from '../domain/app-fields';
import { MAX_PROVISION_ATTEMPTS, retryDelaySeconds } from '../domain/retry';
import { checkIdentity, type IdentityRefusal } from '../domain/identity';
import { userErrorOf } from '../domain/user-errors';
import { mayRecordOwner, ownedVmSource } from '../domain/ownership';
import type { IssuePeople } from '../domain/permissions';
import { DEV_VM_PROPERTY, storedForm, withKnownUsage, type DevVmProperty } from '../domain/vm-property';
import { JiraClient } from '../adapters/jira-client';
import * as kvsStore from '../adapters/kvs-store';
import { errorName, log as appLog } from '../adapters/log';
import { enqueueRetry, type RetryJob } from '../adapters/retry-queue';
import { VmApiClient, VmApiError } from '../adapters/vm-api-client';

/**
 * The operations shared by the trigger, the queue consumer, the web trigger and the panels:
 * load the configuration once per invocation, provision (with queued retries), act on a VM.
 * Built from a `deps` object (the Jira client, app storage, the retry queue, the log), never from
 * module-level singletons: each handler module builds its service once where it is wired, and a
 * test can pass its own.
 */

export interface AppConfig {
  settings: Settings;
  api: VmApiClient | undefined;
  /** Labels of what an admin still has to set before the API can be called. */
  missing: string[];
}

/** The property as read (absent or unreadable: empty), to write back with a new VM copy. */
export type StoredProperty = Omit<DevVmProperty, 'updatedAt'>;
export interface TrustedVm {
  /** The issue's VM per the app's own record; undefined when it has none (or it could not be read). */
  vm: Vm | undefined;
  /** True when `vm` was read from the VM API just now (the property's copy was missing, stale or forged). */
  fetched: boolean;
}
/** `property`: the issue's record as the attempt left it. */
export type ProvisionOutcome = { outcome: 'provisioned'; vm: Vm; property: DevVmProperty } | { outcome: 'queued'; retryInSeconds: number; failure: ReportedFailure } | { outcome: 'failed'; message: string; failure: ReportedFailure };

export type AppStore = typeof kvsStore;
type Log = typeof appLog;

export interface ServiceDeps {
  jira: JiraClient;
  store: AppStore;
  enqueueRetry: (job: RetryJob, delayInSeconds: number) => Promise<unknown>;
  log: Log;
  /** App and environment ids of this invocation (Forge's app context). */
  appEnvironment: () => AppEnvironment;
  /** A fresh reference for a failure people are told about (ties a comment to its log line). */
  newRef: () => string;
}

/** App and environment ids of this invocation, from Forge's app context (ARIs end in the ids). */
function runningEnvironment(): AppEnvironment {
  const { appAri, environmentAri } = getAppContext();
  return { appId: appAri.appId, environmentId: environmentAri.environmentId };
}

const randomRef = (): string => randomBytes(4).toString('hex');

/** The production wiring: Forge's Jira API, KVS and queue. */
export function defaultServiceDeps(): ServiceDeps {
  return { jira: new JiraClient(), store: kvsStore, enqueueRetry, log: appLog, appEnvironment: runningEnvironment, newRef: randomRef };
}

/**
 * Log a failed VM API call with its details under a fresh reference, and return what people may
 * be told (src/domain/user-errors.ts). The reference is what ties a comment to the log line.
 */
export function reportFailureOf(e: VmApiError, ctx: Record<string, string | number>, reporting: Pick<ServiceDeps, 'log' | 'newRef'> = { log: appLog, newRef: randomRef }): ReportedFailure {
  const { log } = reporting;
  const ref = reporting.newRef();
  const shown = userErrorOf({ kind: e.kind, apiCode: e.apiCode, field: e.field });
  log.warn('vm api call failed', { ref, code: shown.code, kind: e.kind, status: e.status, apiCode: e.apiCode, detail: e.message, ...ctx });
  return { ...shown, ref };
}

const APP_FIELDS_CACHE_KEY = 'app-fields';

const APP_FIELDS_CACHE_MINUTES = 60;

const UNREADABLE_NOTICE_DAYS = 30;

/** States in which a recorded VM no longer stands in the way of a new one. */
const GOING_OR_GONE: ReadonlySet<Vm['state']> = new Set(['shutting-down', 'terminated']);

const ACTION_OP = { start: 'startVm', stop: 'stopVm', terminate: 'terminateVm' } as const;

export function createVmService(deps: ServiceDeps) {
  const { jira, log, enqueueRetry } = deps;
  const { claimNotice, getCached, isProvisionedClient, loadSecrets, loadSettings, loadVmOwner, putCached, rememberProvisionedClient, saveVmOwner } = deps.store;
  const runningEnvironment = deps.appEnvironment;
  const reportFailure = (e: VmApiError, ctx: Record<string, string | number>): ReportedFailure => reportFailureOf(e, ctx, deps);

  async function loadConfig(): Promise<AppConfig> {
    const [settings, secrets] = await Promise.all([loadSettings(), loadSecrets()]);
    const missing: string[] = [];
    if (!settings.apiUrl) missing.push('API URL');
    if (!settings.region) missing.push('AWS region');
    if (!secrets.accessKeyId) missing.push('access key id');
    if (!secrets.secretAccessKey) missing.push('secret access key');
    const api =
      settings.apiUrl && settings.region && secrets.accessKeyId && secrets.secretAccessKey
        ? new VmApiClient({ apiUrl: settings.apiUrl, region: settings.region, accessKeyId: secrets.accessKeyId, secretAccessKey: secrets.secretAccessKey })
        : undefined;
    return { settings, api, missing };
  }

  /**
   * The field mapping in force: the admin's choices, and the app's own custom fields for any role
   * left unmapped (looked up once an hour, not on every event).
   */
  async function fieldMapping(settings: Settings): Promise<Settings['fields']> {
    if (allRolesMapped(settings.fields)) return settings.fields;
    let discovered = await getCached<Settings['fields']>(APP_FIELDS_CACHE_KEY);
    if (discovered === undefined) {
      discovered = discoverAppFields(await jira.listFields('app'), runningEnvironment());
      await putCached(APP_FIELDS_CACHE_KEY, discovered, APP_FIELDS_CACHE_MINUTES);
    }
    return effectiveMapping(settings.fields, discovered);
  }

  async function writeProperty(issueKey: string, prop: Omit<DevVmProperty, 'updatedAt'>, nowIso: string): Promise<DevVmProperty> {
    const value: DevVmProperty = { ...prop, updatedAt: nowIso };
    // Undefined members are dropped so the stored JSON stays small and schema-valid.
    await jira.setProperty(issueKey, DEV_VM_PROPERTY, JSON.parse(JSON.stringify(storedForm(value))));
    return value;
  }

  /**
   * The record written in the same Edit issue request as some of the issue's fields, as `actor`
   * (one Jira call instead of two; Jira refuses the whole edit when a field cannot be set, with a
   * JiraApiError the caller handles).
   */
  async function writePropertyWithFields(issueKey: string, prop: Omit<DevVmProperty, 'updatedAt'>, nowIso: string, fields: Record<string, unknown>, actor: 'user' | 'app'): Promise<DevVmProperty> {
    const value: DevVmProperty = { ...prop, updatedAt: nowIso };
    await jira.editIssue(issueKey, { fields, properties: [{ key: DEV_VM_PROPERTY, value: JSON.parse(JSON.stringify(storedForm(value))) }] }, actor);
    return value;
  }

  /**
   * Refuse to act on an issue whose record does not parse, and say why on the issue once per
   * unreadable value (a redelivered event, or the next transition, posts nothing new).
   */
  async function noticeUnreadableRecord(issueKey: string, raw: unknown, reason: string, op: string): Promise<void> {
    log.warn('issue record unreadable; nothing done', { issueKey, op, reason });
    const fingerprint = createHash('sha256').update(JSON.stringify(raw) ?? '').digest('hex');
    if (await claimNotice(`unreadable-record:${issueKey}:${fingerprint}`, UNREADABLE_NOTICE_DAYS)) await jira.addComment(issueKey, unreadableRecordComment(reason));
  }

  /** The identity map's verdict on a request (src/domain/identity.ts), with the app's record of provisioned clients. */
  async function identityRefusal(settings: Settings, request: { developer: string; client: string }, people: IssuePeople, actorIsAdmin: boolean): Promise<IdentityRefusal | undefined> {
    const clientProvisionedBefore = await isProvisionedClient(request.client);
    return checkIdentity({ ...request, identity: settings.identity, people, actorIsAdmin, clientProvisionedBefore });
  }



  /**
   * The issue's VM as the app may act on it: the property's copy only when its id is the one the
   * app recorded (src/domain/ownership.ts), otherwise read from the VM API with the issue key, which
   * the API checks against the instance's JiraIssue tag. A VM launched before the app kept records
   * is adopted once that check passed.
   */
  async function trustedVm(api: VmApiClient | undefined, issueKey: string, prop: DevVmProperty | undefined, nowIso: string, timeoutMs?: number): Promise<TrustedVm> {
    const source = ownedVmSource(await loadVmOwner(issueKey), prop);
    if (source.kind === 'none') return { vm: undefined, fetched: false };
    if (source.kind === 'copy') return { vm: source.vm, fetched: false };
    if (!api) return { vm: undefined, fetched: false };
    try {
      const vm = await api.call('getVm', { params: { id: source.instanceId }, query: { issueKey } }, timeoutMs === undefined ? {} : { timeoutMs });
      if (source.kind === 'verify') await saveVmOwner(issueKey, { instanceId: vm.id, recordedAt: nowIso });
      return { vm, fetched: true };
    } catch (e) {
      if (!(e instanceof VmApiError)) throw e;
      // 404: not this issue's instance (a forged property) or gone; otherwise the API is unreachable.
      log.warn('issue VM could not be confirmed', { issueKey, source: source.kind, kind: e.kind, status: e.status });
      return { vm: undefined, fetched: false };
    }
  }


  /**
   * One provision attempt. Success stores the VM on the issue and says so; a transient failure
   * keeps the request on the issue, tells the people once, and queues the next attempt with the
   * same idempotency key; a refusal says why and stops.
   */
  async function provisionAttempt(
    api: VmApiClient,
    issueKey: string,
    request: ProvisionRequest,
    attempt: number,
    previous: DevVmProperty | undefined,
    nowIso: string,
  ): Promise<ProvisionOutcome> {
    const base = { ...(previous ?? {}), idempotencyKey: request.idempotencyKey };
    try {
      const vm = await api.call('provision', { body: request });
      if (!mayRecordOwner(issueKey, vm)) {
        // The API answered with another issue's VM (a reused idempotency key): never adopt it.
        throw new VmApiError('rejected', 'the VM API answered with a VM of another issue', 409, 'CONFLICT');
      }
      await saveVmOwner(issueKey, { instanceId: vm.id, recordedAt: nowIso });
      await rememberProvisionedClient(request.client);
      // A new VM gets its own first-run write-back and connection comment.
      const property = await writeProperty(issueKey, { ...base, vm, pending: undefined, provisionFailure: undefined, provisionedWriteBackDone: undefined }, nowIso);
      await jira.addComment(issueKey, provisioningComment(request, vm));
      log.info('provisioned', { issueKey, instanceId: vm.id, attempt });
      return { outcome: 'provisioned', vm, property };
    } catch (e) {
      if (!(e instanceof VmApiError)) throw e;
      const failure = reportFailure(e, { issueKey, op: 'provision', attempt });
      const shown = `${failure.code}: ${failure.cause} Reference ${failure.ref}.`;
      if (e.retryable) {
        const delay = retryDelaySeconds(attempt);
        if (delay !== undefined) {
          const nextAttemptAt = new Date(new Date(nowIso).getTime() + delay * 1000).toISOString();
          const pending = { request, attempts: attempt, since: previous?.pending?.since ?? nowIso, nextAttemptAt, lastError: shown };
          await writeProperty(issueKey, { ...base, pending, provisionFailure: undefined }, nowIso);
          await enqueueRetry({ kind: 'provision', issueKey, request, attempt: attempt + 1 }, delay);
          // One comment for the whole retry sequence, not one per attempt.
          if (attempt === 1) await jira.addComment(issueKey, apiUnavailableComment(failure, Math.round(delay / 60)));
          log.warn('provision queued for retry', { issueKey, attempt, kind: e.kind, status: e.status });
          return { outcome: 'queued', retryInSeconds: delay, failure };
        }
        // Kept on the issue, so the panel shows why and offers Retry instead of the plain empty state.
        const provisionFailure = { code: failure.code, cause: failure.cause, ref: failure.ref, at: nowIso, attempts: attempt };
        await writeProperty(issueKey, { ...base, pending: undefined, provisionFailure }, nowIso);
        await jira.addComment(issueKey, apiGaveUpComment(failure, MAX_PROVISION_ATTEMPTS));
        log.error('provision gave up', { issueKey, attempt, kind: e.kind, ref: failure.ref });
        return { outcome: 'failed', message: shown, failure };
      }
      await writeProperty(issueKey, { ...base, pending: undefined }, nowIso);
      await jira.addComment(issueKey, apiRejectedComment(failure));
      log.warn('provision refused', { issueKey, kind: e.kind, status: e.status, code: e.apiCode, ref: failure.ref });
      return { outcome: 'failed', message: shown, failure };
    }
  }

  /**
   * The recorded VM as the API sees it now, asked before a provision request is refused with
   * "already has a VM": the record may be stale (a terminate stores `shutting-down`, and the event
   * that would correct it may not have arrived). Returns the VM when it still exists (and records
   * its real state), undefined when it is terminated, shutting down or unknown to the API. When the
   * API cannot answer, the record stands: a wrong "gone" would launch a second VM.
   */
  async function recordedVmIfLive(api: VmApiClient, issueKey: string, prop: DevVmProperty, vm: Vm, nowIso: string): Promise<Vm | undefined> {
    let current: Vm;
    try {
      current = withKnownUsage(await api.call('getVm', { params: { id: vm.id }, query: { issueKey } }), vm);
    } catch (e) {
      if (e instanceof VmApiError && e.status === 404 && e.apiCode === 'NOT_FOUND') {
        log.info('recorded VM no longer exists', { issueKey, instanceId: vm.id });
        return undefined;
      }
      if (!(e instanceof VmApiError)) throw e;
      log.warn('recorded VM could not be checked; it is assumed to exist', { issueKey, instanceId: vm.id, error: errorName(e) });
      return vm;
    }
    if (current.state !== vm.state) await writeProperty(issueKey, { ...prop, vm: current }, nowIso);
    return GOING_OR_GONE.has(current.state) ? undefined : current;
  }

  /** Start, stop or terminate the issue's VM and store what the API answered. */
  async function vmAction(api: VmApiClient, issueKey: string, action: VmAction, prop: StoredProperty, vm: Vm, nowIso: string): Promise<Vm> {
    const updated = withKnownUsage(await api.call(ACTION_OP[action], { params: { id: vm.id }, query: { issueKey } }), vm);
    // The API's answer is an observation too: a lifecycle event observed before it must not undo it.
    await writeProperty(issueKey, { ...prop, vm: updated, lastObservation: { instanceId: vm.id, observedAt: nowIso, sequence: 0 } }, nowIso);
    log.info('vm action', { issueKey, instanceId: vm.id, action, state: updated.state });
    return updated;
  }

  /** Park or unpark the VM (issue 13): its schedule's starts are skipped while parked, its working hours kept. */
  async function setParked(api: VmApiClient, issueKey: string, prop: StoredProperty, vm: Vm, parked: boolean, nowIso: string): Promise<Vm> {
    const updated = withKnownUsage(await api.call('updateLifecycle', { params: { id: vm.id }, query: { issueKey }, body: { parked } }), vm);
    await writeProperty(issueKey, { ...prop, vm: updated }, nowIso);
    log.info(parked ? 'vm parked' : 'vm unparked', { issueKey, instanceId: vm.id });
    return updated;
  }

  /**
   * Status-driven stop/terminate: the call plus a comment saying what happened. A status-driven
   * stop also parks the VM, so the schedule does not start it again on the next working day; a VM
   * already stopped is only parked.
   */
  async function statusDrivenAction(api: VmApiClient, issueKey: string, action: VmAction, prop: StoredProperty, vm: Vm, statusName: string | undefined, nowIso: string): Promise<void> {
    try {
      const alreadyStopped = action === 'stop' && (vm.state === 'stopped' || vm.state === 'stopping');
      let updated = alreadyStopped ? vm : await vmAction(api, issueKey, action, prop, vm, nowIso);
      if (action === 'stop') {
        const after: StoredProperty = alreadyStopped ? prop : { ...prop, vm: updated, lastObservation: { instanceId: vm.id, observedAt: nowIso, sequence: 0 } };
        updated = await setParked(api, issueKey, after, updated, true, nowIso);
      }
      await jira.addComment(issueKey, statusActionComment(action, updated, statusName, alreadyStopped));
    } catch (e) {
      if (!(e instanceof VmApiError)) throw e;
      log.warn('status action failed', { issueKey, action, error: errorName(e) });
      await jira.addComment(issueKey, apiRejectedComment(reportFailure(e, { issueKey, op: action }), `The dev VM ${vm.id} could not ${action === 'terminate' ? 'be terminated' : action === 'stop' ? 'be stopped' : 'be started'}; use the Dev VM panel to try again.`));
    }
  }

  return { jira, store: deps.store, log, reportFailure, loadConfig, fieldMapping, writeProperty, writePropertyWithFields, noticeUnreadableRecord, identityRefusal, trustedVm, provisionAttempt, recordedVmIfLive, vmAction, setParked, statusDrivenAction };
}
export type VmService = ReturnType<typeof createVmService>;

/** The service as the handlers use it in production. */
export function defaultVmService(): VmService {
  return createVmService(defaultServiceDeps());
}
