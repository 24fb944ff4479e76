import * as z from 'zod';
import type { Vm } from '../contract/vm-api';
import { apiRejectedComment, identityRefusedComment, notConfiguredComment, pendingCancelledComment, problemsComment, unparkedComment } from '../domain/comments';
import { decideStatusAction, findStatusChange } from '../domain/status-change';
import { DEV_VM_PROPERTY, parseDevVmProperty } from '../domain/vm-property';
import { pendingIsStale } from '../domain/retry';
import { idempotencyKeyFor, readVmRequest, withKeptSchedule } from '../domain/vm-request';
import { IssueStatus, userAccountId } from '../adapters/jira-client';
import { log } from '../adapters/log';
import { VmApiError, type VmApiClient } from '../adapters/vm-api-client';
import type { InvocationError } from '@forge/events';
import { withPlatformRetry } from './invocation-retry';
import { fieldMapping, identityRefusal, jira, loadConfig, provisionAttempt, recordedVmIfLive, reportFailure, setParked, statusDrivenAction, trustedVm, writeProperty, type StoredProperty } from './vm-service';

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
export const onIssueUpdated = (event: unknown): Promise<InvocationError | undefined> => handleIssueUpdated(event, new Date());

/**
 * Forge does not retry a trigger that throws: the transition would be lost with no VM and no
 * comment. A Jira or storage failure a later attempt can get past returns an InvocationError
 * (the platform delivers the same event again, same changelog id, so the idempotency key and
 * the "already handled" check below hold); anything else ends here with a log line.
 */
export function handleIssueUpdated(event: unknown, now: Date): Promise<InvocationError | undefined> {
  const issueKey = (event as { issue?: { key?: unknown } } | null)?.issue?.key;
  return withPlatformRetry('issue event', event, { issueKey: typeof issueKey === 'string' ? issueKey : undefined }, () => processIssueUpdated(event, now));
}

async function processIssueUpdated(event: unknown, now: Date): Promise<void> {
  const parsed = IssueUpdatedEvent.safeParse(event);
  if (!parsed.success) {
    log.warn('issue event without issue or changelog ignored');
    return;
  }
  const { issue, changelog } = parsed.data;
  const change = findStatusChange(changelog);
  if (!change || !changelog) return;

  const { settings, api, missing } = await loadConfig();
  const lists = settings.statuses;
  const listed = [...lists.provision, ...lists.stop, ...lists.terminate].includes(change.toStatusId);
  // With onClose `nothing` only a stop status parks a VM, so only a move out of one can unpark it;
  // every other unlisted change needs no look at the issue.
  if (!listed && settings.onClose === 'nothing' && !(change.fromStatusId !== undefined && lists.stop.includes(change.fromStatusId))) return;

  const mapping = lists.provision.includes(change.toStatusId) ? await fieldMapping(settings) : settings.fields;
  const mapped = Object.values(mapping).filter((id): id is string => typeof id === 'string');
  const fresh = await jira.getIssue('app', issue.key, ['status', 'assignee', 'reporter', ...mapped], [DEV_VM_PROPERTY]);
  const status = IssueStatus.safeParse(fresh.fields.status);
  // The issue may have moved on since the event was sent; act on the status the event names.
  const category = status.success && status.data.id === change.toStatusId ? status.data.statusCategory?.key : undefined;
  const action = decideStatusAction(change, lists, settings.onClose, category);
  const prop = parseDevVmProperty(fresh.properties?.[DEV_VM_PROPERTY]);
  const nowIso = now.toISOString();
  if (action === 'none') {
    // Reopened (out of a done category into a status no list names): the issue's own VM, if parked, is unparked.
    if (category === undefined || category === 'done' || !api) return;
    const parkedVm = liveOnly((await trustedVm(api, fresh.key, prop, nowIso)).vm);
    if (parkedVm?.parkedAt) await unpark(api, fresh.key, prop ?? {}, parkedVm, status.success ? status.data.name : undefined, nowIso);
    return;
  }
  log.info('status change', { issueKey: issue.key, to: change.toStatusId, action });

  if (action === 'provision') {
    const ownKey = idempotencyKeyFor(fresh.id, `cl${changelog.id}`);
    // A redelivered event (our InvocationError, or Forge's at-least-once delivery) carries the
    // same changelog id: already handled.
    if (prop?.idempotencyKey === ownKey && !prop.pending) return;
    // Only the VM the app recorded for this issue counts (never the user-writable property alone).
    const trusted = await trustedVm(api, fresh.key, prop, nowIso);
    const owned = liveOnly(trusted.vm);
    // A stored copy may be stale (a terminate stores `shutting-down`): the API says whether it is gone.
    const existing = owned && prop && api && !trusted.fetched ? await recordedVmIfLive(api, fresh.key, prop, owned, nowIso) : owned;
    if (existing) {
      log.info('issue already has a VM; nothing requested', { issueKey: issue.key, instanceId: existing.id });
      if (existing.parkedAt && api) await unpark(api, fresh.key, prop ?? {}, existing, status.success ? status.data.name : undefined, nowIso);
      return;
    }
    const pending = prop?.pending;
    // A request still being retried keeps its key: its first call may have launched a VM whose
    // answer was lost, so a new key could launch a second one. While the queue has it, nothing
    // more is sent; past the retry window (its queued job was lost) it is sent again, same key.
    if (pending && !pendingIsStale(pending.since, now)) {
      log.info('provision request already pending; the queued retry carries it', { issueKey: issue.key });
      return;
    }
    const idempotencyKey = pending?.request.idempotencyKey ?? ownKey;
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

async function unpark(api: VmApiClient, issueKey: string, prop: StoredProperty, vm: Vm, statusName: string | undefined, nowIso: string): Promise<void> {
  try {
    const updated = await setParked(api, issueKey, prop, vm, false, nowIso);
    await jira.addComment(issueKey, unparkedComment(updated, statusName));
  } catch (e) {
    if (!(e instanceof VmApiError)) throw e;
    const failure = reportFailure(e, { issueKey, instanceId: vm.id, action: 'unpark' });
    await jira.addComment(issueKey, apiRejectedComment(failure, `The dev VM ${vm.id} could not be unparked; use Unpark in the Dev VM panel.`));
  }
}
