import { CONNECTION_TEST_TYPE, ConnectionTestEvent, LifecycleEvent, MAX_SKEW_SECONDS, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../contract/events';
import { WRITE_BACK_ROLES } from '../contract/settings';
import type { Vm } from '../contract/vm-api';
import { lifecycleComment, noTransitionComment, transitionRefusedComment } from '../domain/comments';
import { verifySignature } from '../domain/hmac';
import { decideLifecycleEvent, withoutContradictedFacts } from '../domain/lifecycle-events';
import { DEV_VM_PROPERTY, readDevVmProperty, type DevVmProperty } from '../domain/vm-property';
import { JiraApiError, userAccountId, userDisplayName } from '../adapters/jira-client';
import { errorName, log } from '../adapters/log';
import { defaultVmService, type VmService } from './vm-service';

/**
 * Web trigger for the lifecycle events the AWS notifier sends. Web triggers are public URLs,
 * so the request is authenticated first (HMAC over `${timestamp}.${body}`, constant-time, fresh
 * timestamp), then parsed, then its id is recorded so a replay is refused. Failures answer a
 * bare status code; the reason goes to the log only.
 */

export interface WebTriggerRequest {
  method?: string;
  headers?: Record<string, string[] | string | undefined>;
  body?: string;
}
export interface WebTriggerResponse {
  statusCode: number;
  headers: Record<string, string[]>;
  body: string;
}

const reply = (statusCode: number, body?: Record<string, unknown>): WebTriggerResponse => ({
  statusCode,
  headers: { 'Content-Type': ['application/json'] },
  body: body ? JSON.stringify(body) : statusCode < 300 ? '{"ok":true}' : '{}',
});

function header(req: WebTriggerRequest, name: string): string | undefined {
  for (const [k, v] of Object.entries(req.headers ?? {})) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

/** Replayed ids are remembered a little longer than a timestamp stays acceptable. */
const SEEN_TTL_MINUTES = Math.ceil((2 * MAX_SKEW_SECONDS) / 60) + 5;

const service = defaultVmService();
export const onLifecycleEvent = (request: WebTriggerRequest): Promise<WebTriggerResponse> => handleLifecycleEvent(request, new Date(), service);

export async function handleLifecycleEvent(request: WebTriggerRequest, now: Date, svc: VmService = service): Promise<WebTriggerResponse> {
  const { claimEventId, forgetEventId, loadSecret, markEventDone } = svc.store;
  if ((request.method ?? 'POST').toUpperCase() !== 'POST') return reply(405);
  const rawBody = request.body ?? '';
  if (isConnectionTest(rawBody)) return handleConnectionTest(svc, request, rawBody, now);
  const secret = await loadSecret('hmacSecret');
  if (!secret) {
    log.warn('lifecycle event refused: no HMAC secret configured');
    return reply(401);
  }
  const verdict = verifySignature(secret, rawBody, { timestamp: header(request, TIMESTAMP_HEADER), signature: header(request, SIGNATURE_HEADER) }, now);
  if (!verdict.ok) {
    log.warn('lifecycle event refused', { reason: verdict.reason });
    return reply(401);
  }
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return reply(400);
  }
  const parsed = LifecycleEvent.safeParse(json);
  if (!parsed.success) {
    log.warn('lifecycle event refused: body does not match the contract', { issue: parsed.error.issues[0]?.path.join('.') });
    return reply(400);
  }
  const event = parsed.data;
  // Authentic and fresh, so a repeat is the sender retrying (e.g. our answer came after its
  // timeout): idempotent success if it was applied, "try later" while it still is being applied.
  const claim = await claimEventId(event.id, SEEN_TTL_MINUTES, now.getTime());
  if (claim === 'done') {
    log.info('lifecycle event already processed', { eventId: event.id });
    return reply(200, { ok: true, alreadyProcessed: true });
  }
  if (claim === 'in-progress') {
    log.info('lifecycle event is being processed by another delivery', { eventId: event.id });
    return reply(409);
  }
  try {
    await applyEvent(svc, event, now.toISOString());
  } catch (e) {
    if (e instanceof JiraApiError && e.status === 404) {
      // The issue was deleted (or the app lost access): nothing to update, and a retry would not help.
      log.warn('lifecycle event for an issue that no longer exists', { eventId: event.id, issueKey: event.issueKey });
      await markEventDone(event.id, SEEN_TTL_MINUTES, now.getTime());
      return reply(200);
    }
    log.error('lifecycle event failed', { eventId: event.id, issueKey: event.issueKey, error: errorName(e) });
    // Forget the id so the sender's retry of this delivery is processed, and say it failed.
    await forgetEventId(event.id).catch(() => undefined);
    return reply(500);
  }
  await markEventDone(event.id, SEEN_TTL_MINUTES, now.getTime());
  return reply(200);
}

/** A cheap look at the body's type; the test's own handler validates it fully. */
function isConnectionTest(rawBody: string): boolean {
  if (!rawBody.includes(CONNECTION_TEST_TYPE)) return false;
  try {
    return (JSON.parse(rawBody) as { type?: unknown } | null)?.type === CONNECTION_TEST_TYPE;
  } catch {
    return false;
  }
}

/**
 * The connection test's event (src/contract/events.ts ConnectionTestEvent): its verdict is
 * recorded for the admin's open test of that nonce, and nothing else happens. A wrong signature is
 * recorded too (that is what the test is for: "the stack signs with another secret"), which is
 * safe because only a test the app opened itself, under a nonce nobody else knows, can be
 * answered; any other request changes nothing. The answer is 200 only for a verified event.
 */
async function handleConnectionTest(svc: VmService, request: WebTriggerRequest, rawBody: string, now: Date): Promise<WebTriggerResponse> {
  const parsed = ConnectionTestEvent.safeParse(JSON.parse(rawBody));
  if (!parsed.success) return reply(400);
  const { nonce } = parsed.data;
  const secret = await svc.store.loadSecret('hmacSecret');
  const verdict = secret ? verifySignature(secret, rawBody, { timestamp: header(request, TIMESTAMP_HEADER), signature: header(request, SIGNATURE_HEADER) }, now) : { ok: false as const, reason: 'no-secret' };
  const answered = await svc.store.answerConnectionTest(nonce, verdict.ok ? { state: 'verified' } : { state: 'refused', reason: verdict.reason }, now.getTime());
  log.info('connection test event', { verified: verdict.ok, ...(verdict.ok ? {} : { reason: verdict.reason }), openTest: answered });
  return verdict.ok && answered ? reply(200) : reply(401);
}

async function applyEvent(svc: VmService, event: LifecycleEvent, nowIso: string): Promise<void> {
  const { jira, noticeUnreadableRecord, writeProperty } = svc;
  const issue = await jira.getIssue('app', event.issueKey, ['status', 'assignee'], [DEV_VM_PROPERTY]);
  const rawRecord = issue.properties?.[DEV_VM_PROPERTY];
  const record = readDevVmProperty(rawRecord);
  const recorded = await svc.store.loadVmOwner(event.issueKey);
  if (record.kind === 'unreadable') {
    // Writing the event's VM over it would drop what the record held (a pending request, the
    // provision key); the event is answered (a retry would find the same record) and the issue
    // says why. Unless the event is of the VM the app recorded itself: then the issue has its VM,
    // and an unreadable copy (any editor can write one) must not silence e.g. the idle warning.
    if (recorded?.instanceId !== event.instanceId) {
      await noticeUnreadableRecord(event.issueKey, rawRecord, record.reason, `lifecycle event ${event.type}`);
      return;
    }
    log.warn('issue record unreadable; the event of the VM the app recorded replaces it', { eventId: event.id, issueKey: event.issueKey, reason: record.reason });
  }
  // An unreadable copy cannot say whether the write-back was done: it is taken as done, so that
  // rewriting the property never has the app move the issue to the "provisioned" status again.
  const read: Omit<DevVmProperty, 'updatedAt'> = record.kind === 'ok' ? record.prop : record.kind === 'unreadable' ? { provisionedWriteBackDone: true } : {};
  if (recorded?.instanceId === event.instanceId && !recorded.writeBackDone && record.kind === 'ok' && record.prop.provisionedWriteBackDone) {
    // A VM recorded before the app kept writeBackDone itself: taken over from the copy once.
    await svc.store.saveVmOwner(event.issueKey, { ...recorded, writeBackDone: true });
  }
  const prop = withoutContradictedFacts(read, recorded, Date.parse(nowIso));
  const ids = { eventId: event.id, issueKey: event.issueKey };
  const decision = decideLifecycleEvent(event, prop);
  switch (decision.kind) {
    case 'previous-instance':
      log.info('lifecycle event of a previous instance ignored', { ...ids, instanceId: event.instanceId, liveInstanceId: decision.liveInstanceId });
      return;
    case 'older':
      // Answered 200: a retry would be just as old.
      log.info('lifecycle event older than the state on record ignored', { ...ids, observedAt: event.observedAt ?? 'none', onRecord: prop.lastObservation?.observedAt });
      return;
    case 'boot-already-applied':
      log.info('boot signal already applied', { ...ids, type: event.type });
      return;
    case 'boot': {
      await writeProperty(event.issueKey, decision.record, nowIso);
      const comment = lifecycleComment(decision.vm ? { ...event, vm: decision.vm } : event, decision.vm?.schedule.timezone ?? 'UTC', false, false);
      if (comment) await jira.addComment(event.issueKey, comment);
      log.info('boot signal applied', { ...ids, type: event.type, instanceId: event.instanceId, ...(event.bootStep ? { step: event.bootStep } : {}) });
      return;
    }
    case 'state':
      break;
  }
  const { vm, firstRun, readyAnnounced, announce } = decision;
  const updated = await writeProperty(event.issueKey, decision.record, nowIso);
  if (firstRun && recorded?.instanceId === event.instanceId) await svc.store.saveVmOwner(event.issueKey, { ...recorded, writeBackDone: true });
  // The comment shows the merged VM (with the database lines known from provisioning).
  const settings = announce === 'unless-silent' || announce === 'if-asked' ? await svc.store.loadSettings() : undefined;
  const silent =
    announce === 'never' ||
    (announce === 'unless-silent' && settings?.comments.scheduledStartStop === 'silent') ||
    (announce === 'if-asked' && settings?.comments.deferredStop !== 'comment');
  // The idle warning mentions the assignee, who can keep the VM.
  const assignee = { accountId: userAccountId(issue.fields.assignee), name: userDisplayName(issue.fields.assignee) };
  const comment = silent ? undefined : lifecycleComment(vm ? { ...event, vm } : event, vm?.schedule.timezone ?? 'UTC', firstRun, readyAnnounced, assignee);
  if (comment) await jira.addComment(event.issueKey, comment);
  log.info('lifecycle event applied', { ...ids, type: event.type, instanceId: event.instanceId, ...(silent ? { comment: 'silenced' } : {}) });
  if (firstRun && updated.vm) await writeBack(svc, event.issueKey, updated.vm);
}

/**
 * Workflow write-back on the first `running`: move the issue to the admin's "provisioned"
 * status (through a transition whose target is that status) and fill the optional fields.
 * A workflow without such a transition gets a comment; nothing else fails because of it.
 */
async function writeBack(svc: VmService, issueKey: string, vm: Vm): Promise<void> {
  const { jira } = svc;
  const settings = await svc.store.loadSettings();
  const target = settings.statuses.provisioned;
  if (target) {
    const statusName = async () => (await jira.listStatuses('app').catch(() => [])).find((s) => s.id === target)?.name ?? `status ${target}`;
    const transitions = await jira.getTransitions(issueKey);
    const t = transitions.find((x) => x.to?.id === target);
    if (t) {
      try {
        await jira.transition(issueKey, t.id);
      } catch (e) {
        // Refused by the workflow (validator, required screen field): a configuration matter. The
        // running comment is already posted, so failing the event would only repeat it on retry.
        if (!(e instanceof JiraApiError) || e.status < 400 || e.status >= 500) throw e;
        log.warn('transition to the provisioned status refused', { issueKey, status: e.status });
        await jira.addComment(issueKey, transitionRefusedComment(await statusName(), e.status));
      }
    } else {
      await jira.addComment(issueKey, noTransitionComment(await statusName()));
    }
  }
  const values: Record<(typeof WRITE_BACK_ROLES)[number], string | undefined> = { instanceId: vm.id, amiId: vm.amiId, privateIp: vm.connection.privateIp };
  const fields: Record<string, string> = {};
  for (const role of WRITE_BACK_ROLES) {
    const fieldId = settings.writeBack[role];
    const value = values[role];
    if (fieldId && value) fields[fieldId] = value;
  }
  if (Object.keys(fields).length === 0) return;
  try {
    await jira.editFields(issueKey, fields);
  } catch (e) {
    // A field not on the issue's edit screen is a configuration matter, not a failed event.
    if (!(e instanceof JiraApiError)) throw e;
    log.warn('write-back fields not updated', { issueKey, status: e.status });
  }
}
