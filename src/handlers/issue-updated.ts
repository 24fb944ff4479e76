import * as z from 'zod';
import type { Vm } from '../contract/vm-api';
import { apiRejectedComment, costCenterInvalidComment, identityRefusedComment, notConfiguredComment, pendingCancelledComment, problemsComment, unparkedComment } from '../domain/comments';
import { decideStatusAction, findStatusChange } from '../domain/status-change';
import { changedFieldIds, changedFieldName, decideCostCenter } from '../domain/cost-center-change';
import { DEV_VM_PROPERTY, readDevVmProperty, withKnownUsage } from '../domain/vm-property';
import { alreadyHandled, provisionKey, transitionKey } from '../domain/provision-policy';
import { readVmRequest, withKeptSchedule } from '../domain/vm-request';
import { IssueStatus, userAccountId } from '../adapters/jira-client';
import { log } from '../adapters/log';
import { VmApiError, type VmApiClient } from '../adapters/vm-api-client';
import type { InvocationError } from '@forge/events';
import { withPlatformRetry } from './invocation-retry';
import { defaultVmService, type StoredProperty, type VmService } from './vm-service';

const liveOnly = (vm: Vm | undefined): Vm | undefined => (vm && vm.state !== 'terminated' ? vm : undefined);

/**
 * Trigger on `avi:jira:updated:issue`. Forge has no transition event, so the changelog's
 * `status` item (`from`/`to` status ids) says whether the issue entered a provision, stop or
 * terminate status. Nothing here waits for EC2: one API call at most, then comments.
 */

const IssueUpdatedEvent = z.object({
  issue: z.object({ id: z.string(), key: z.string(), fields: z.record(z.string(), z.unknown()).optional() }),
  changelog: z.object({ id: z.union([z.string(), z.number()]).transform(String), items: z.array(z.unknown()) }).optional(),
});

/** Forge calls this with (event, context); the clock is read here, once. */
const service = defaultVmService();
export const onIssueUpdated = (event: unknown): Promise<InvocationError | undefined> => handleIssueUpdated(event, new Date(), service);

/**
 * Forge does not retry a trigger that throws: the transition would be lost with no VM and no
 * comment. A Jira or storage failure a later attempt can get past returns an InvocationError
 * (the platform delivers the same event again, same changelog id, so the idempotency key and
 * the "already handled" check below hold); anything else ends here with a log line.
 */
export function handleIssueUpdated(event: unknown, now: Date, svc: VmService = service): Promise<InvocationError | undefined> {
  const issueKey = (event as { issue?: { key?: unknown } } | null)?.issue?.key;
  return withPlatformRetry('issue event', event, { issueKey: typeof issueKey === 'string' ? issueKey : undefined }, () => processIssueUpdated(event, now, svc));
}

async function processIssueUpdated(event: unknown, now: Date, svc: VmService): Promise<void> {
  const { fieldMapping, identityRefusal, jira, loadConfig, noticeUnreadableRecord, provisionAttempt, recordedVmIfLive, statusDrivenAction, trustedVm, writeProperty } = svc;
  const parsed = IssueUpdatedEvent.safeParse(event);
  if (!parsed.success) {
    log.warn('issue event without issue or changelog ignored');
    return;
  }
  const { issue, changelog } = parsed.data;
  const edited = changedFieldIds(changelog).filter((id) => id !== 'status');
  if (edited.length) await followCostCenter(svc, issue.key, edited, changelog, now.toISOString());
  const change = findStatusChange(changelog);
  if (!change || !changelog) return;

  const { settings, api, missing } = await loadConfig();
  const lists = settings.statuses;
  const listed = [...lists.provision, ...lists.stop, ...lists.terminate].includes(change.toStatusId);
  // With onClose `nothing` only a stop status parks a VM, so only a move out of one can unpark it;
  // every other unlisted change needs no look at the issue (an unknown origin might be one).
  const mayLeaveStop = change.fromStatusId === undefined || lists.stop.includes(change.fromStatusId);
  if (!listed && settings.onClose === 'nothing' && !mayLeaveStop) return;

  const mapping = lists.provision.includes(change.toStatusId) ? await fieldMapping(settings) : settings.fields;
  const mapped = Object.values(mapping).filter((id): id is string => typeof id === 'string');
  const fresh = await jira.getIssue('app', issue.key, ['status', 'assignee', 'reporter', ...mapped], [DEV_VM_PROPERTY]);
  const status = IssueStatus.safeParse(fresh.fields.status);
  // The issue may have moved on since the event was sent; act on the status the event names.
  const category = status.success && status.data.id === change.toStatusId ? status.data.statusCategory?.key : undefined;
  const action = decideStatusAction(change, lists, settings.onClose, category);
  const rawRecord = fresh.properties?.[DEV_VM_PROPERTY];
  const record = readDevVmProperty(rawRecord);
  const nowIso = now.toISOString();
  if (record.kind === 'unreadable') {
    // Anyone who may edit the issue can write the property, so an unreadable one must not veto a
    // stop or terminate: the VM the app recorded itself (vm-owner, not user-writable) is acted on,
    // and the record is rewritten from what the API answers. Provisioning stays refused: unknown
    // is not "no VM", and a second one could be launched.
    const recorded = (action === 'stop' || action === 'terminate') && api ? liveOnly((await trustedVm(api, fresh.key, undefined, nowIso)).vm) : undefined;
    if (!recorded || !api || (action !== 'stop' && action !== 'terminate')) {
      if (action !== 'none') await noticeUnreadableRecord(fresh.key, rawRecord, record.reason, action);
      return;
    }
    log.warn('issue record unreadable; acting on the VM the app recorded', { issueKey: fresh.key, action, reason: record.reason });
    if (action === 'stop' && recorded.parkedAt) return;
    await statusDrivenAction(api, fresh.key, action, {}, recorded, status.success ? status.data.name : undefined, nowIso);
    return;
  }
  const prop = record.kind === 'ok' ? record.prop : undefined;
  if (action === 'none') {
    // Reopened (out of a done category into a status no list names): the issue's own VM, if parked, is unparked.
    if (category === undefined || category === 'done' || !api) return;
    const parkedVm = liveOnly((await trustedVm(api, fresh.key, prop, nowIso)).vm);
    if (parkedVm?.parkedAt) await unpark(svc, api, fresh.key, prop ?? {}, parkedVm, status.success ? status.data.name : undefined, nowIso);
    return;
  }
  log.info('status change', { issueKey: issue.key, to: change.toStatusId, action });

  if (action === 'provision') {
    const ownKey = transitionKey(fresh.id, changelog.id);
    // A redelivered event (our InvocationError, or Forge's at-least-once delivery) carries the
    // same changelog id: already handled.
    if (alreadyHandled(prop, ownKey)) return;
    // Only the VM the app recorded for this issue counts (never the user-writable property alone).
    const trusted = await trustedVm(api, fresh.key, prop, nowIso);
    const owned = liveOnly(trusted.vm);
    // A stored copy may be stale (a terminate stores `shutting-down`): the API says whether it is gone.
    const existing = owned && prop && api && !trusted.fetched ? await recordedVmIfLive(api, fresh.key, prop, owned, nowIso) : owned;
    if (existing) {
      log.info('issue already has a VM; nothing requested', { issueKey: issue.key, instanceId: existing.id });
      if (existing.parkedAt && api) await unpark(svc, api, fresh.key, prop ?? {}, existing, status.success ? status.data.name : undefined, nowIso);
      return;
    }
    // A request still being retried keeps its key; while the queue has it, nothing more is sent.
    const key = provisionKey(prop, ownKey, now);
    if (key.kind === 'queued') {
      log.info('provision request already pending; the queued retry carries it', { issueKey: issue.key });
      return;
    }
    const idempotencyKey = key.idempotencyKey;
    if (!api) {
      await jira.addComment(issue.key, notConfiguredComment(missing));
      return;
    }
    const read = withKeptSchedule(readVmRequest(fresh.key, fresh.fields, mapping, settings.policy), prop?.schedule);
    if (!read.ok) {
      await jira.addComment(issue.key, problemsComment(read.problems));
      return;
    }
    // The trigger has no Jira user to check for admin rights: the map's assignee/reporter rule applies.
    const people = { assigneeAccountId: userAccountId(fresh.fields.assignee), reporterAccountId: userAccountId(fresh.fields.reporter) };
    const refusal = await identityRefusal(settings, read.request, people, false);
    if (refusal) {
      log.info('provision refused by the identity map', { issueKey: issue.key, rule: refusal.rule });
      await jira.addComment(issue.key, identityRefusedComment(refusal));
      return;
    }
    await provisionAttempt(api, fresh.key, { ...read.request, idempotencyKey }, 1, prop, nowIso);
    return;
  }

  // The VM the app recorded for this issue, never an id someone wrote into the property.
  const vm = liveOnly((await trustedVm(api, fresh.key, prop, nowIso)).vm);
  if (!vm) {
    if (prop?.pending) {
      // A queued retry would otherwise launch a VM for an issue that was just parked or closed.
      // Recorded in app storage first: the property's word alone can be written back by an editor.
      await svc.store.cancelQueuedProvision(prop.pending.request.idempotencyKey);
      await writeProperty(fresh.key, { ...prop, pending: undefined }, nowIso);
      await jira.addComment(fresh.key, pendingCancelledComment(status.success ? status.data.name : undefined));
      log.info('queued provision request cancelled by a status change', { issueKey: issue.key, action });
    }
    return;
  }
  if (!api) {
    log.warn('stop/terminate skipped: app not configured', { issueKey: issue.key });
    return;
  }
  if (action === 'stop' && vm.parkedAt) return; // already parked
  await statusDrivenAction(api, fresh.key, action, prop ?? {}, vm, status.success ? status.data.name : undefined, nowIso);
}

async function unpark(svc: VmService, api: VmApiClient, issueKey: string, prop: StoredProperty, vm: Vm, statusName: string | undefined, nowIso: string): Promise<void> {
  const { jira, reportFailure, setParked } = svc;
  try {
    const updated = await setParked(api, issueKey, prop, vm, false, nowIso);
    await jira.addComment(issueKey, unparkedComment(updated, statusName));
  } catch (e) {
    if (!(e instanceof VmApiError)) throw e;
    const failure = reportFailure(e, { issueKey, instanceId: vm.id, action: 'unpark' });
    await jira.addComment(issueKey, apiRejectedComment(failure, `The dev VM ${vm.id} could not be unparked; use Unpark in the Dev VM panel.`));
  }
}

/**
 * The mapped cost-center field changed on an issue with a live VM (issue 13): the VM API retags
 * the instance, its volumes and the developer's EFS home (updateCostCenter, issueKey-checked like
 * every instance operation), and the app's record takes the new value. Only the VM the app
 * recorded for this issue is retagged, never an id from the user-writable property. A value that
 * cannot be a tag gets a comment naming the field; the VM keeps its tag. Repeating it (a
 * redelivered event) changes nothing: the record already has the value.
 */
async function followCostCenter(svc: VmService, issueKey: string, edited: readonly string[], changelog: unknown, nowIso: string): Promise<void> {
  const { fieldMapping, jira, loadConfig, reportFailure, store, trustedVm, writeProperty } = svc;
  const fieldId = (await fieldMapping(await store.loadSettings())).costCenter;
  if (!fieldId || !edited.includes(fieldId)) return;
  const { api } = await loadConfig();
  if (!api) return;
  const fresh = await jira.getIssue('app', issueKey, [fieldId], [DEV_VM_PROPERTY]);
  const record = readDevVmProperty(fresh.properties?.[DEV_VM_PROPERTY]);
  if (record.kind === 'unreadable') return; // the status path reports an unreadable record; nothing is retagged blind
  const prop = record.kind === 'ok' ? record.prop : undefined;
  const vm = liveOnly((await trustedVm(api, fresh.key, prop, nowIso)).vm);
  if (!vm) return;
  const decision = decideCostCenter(fresh.fields[fieldId], vm.costCenter);
  if (decision.kind === 'unchanged') return;
  if (decision.kind === 'invalid') {
    await jira.addComment(fresh.key, costCenterInvalidComment(changedFieldName(changelog, fieldId) ?? 'Cost center', fieldId, decision.value, decision.message, vm));
    return;
  }
  try {
    const updated = withKnownUsage(await api.call('updateCostCenter', { params: { id: vm.id }, query: { issueKey: fresh.key }, body: { costCenter: decision.costCenter } }), vm);
    await writeProperty(fresh.key, { ...(prop ?? {}), vm: updated }, nowIso);
    log.info('cost center retagged', { issueKey: fresh.key, instanceId: vm.id, removed: decision.costCenter === null });
  } catch (e) {
    if (!(e instanceof VmApiError)) throw e;
    const failure = reportFailure(e, { issueKey: fresh.key, instanceId: vm.id, action: 'cost-center' });
    await jira.addComment(fresh.key, apiRejectedComment(failure, `The cost center of the dev VM ${vm.id} could not be changed; it keeps its CostCenter tag.`));
  }
}
