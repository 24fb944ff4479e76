import { CONNECTION_TEST_TYPE, ConnectionTestEvent, LifecycleEvent, MAX_SKEW_SECONDS, SIGNATURE_HEADER, STATE_OF_EVENT, TIMESTAMP_HEADER } from '../contract/events';
import { WRITE_BACK_ROLES } from '../contract/settings';
import type { Vm, VmState } from '../contract/vm-api';
import { lifecycleComment, noTransitionComment, transitionRefusedComment } from '../domain/comments';
import { verifySignature } from '../domain/hmac';
import { isOlderThan, observationOf } from '../domain/observation';
import { DEV_VM_PROPERTY, liveVm, parseDevVmProperty, type DevVmProperty } from '../domain/vm-property';
import { JiraApiError } from '../adapters/jira-client';
import { answerConnectionTest, claimEventId, forgetEventId, loadSecret, loadSettings, markEventDone } from '../adapters/kvs-store';
import { errorName, log } from '../adapters/log';
import { jira, writeProperty } from './vm-service';

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

export const onLifecycleEvent = (request: WebTriggerRequest): Promise<WebTriggerResponse> => handleLifecycleEvent(request, new Date());

export async function handleLifecycleEvent(request: WebTriggerRequest, now: Date): Promise<WebTriggerResponse> {
  if ((request.method ?? 'POST').toUpperCase() !== 'POST') return reply(405);
  const rawBody = request.body ?? '';
  if (isConnectionTest(rawBody)) return handleConnectionTest(request, rawBody, now);
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
    await applyEvent(event, now.toISOString());
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
async function handleConnectionTest(request: WebTriggerRequest, rawBody: string, now: Date): Promise<WebTriggerResponse> {
  const parsed = ConnectionTestEvent.safeParse(JSON.parse(rawBody));
  if (!parsed.success) return reply(400);
  const { nonce } = parsed.data;
  const secret = await loadSecret('hmacSecret');
  const verdict = secret ? verifySignature(secret, rawBody, { timestamp: header(request, TIMESTAMP_HEADER), signature: header(request, SIGNATURE_HEADER) }, now) : { ok: false as const, reason: 'no-secret' };
  const answered = await answerConnectionTest(nonce, verdict.ok ? { state: 'verified' } : { state: 'refused', reason: verdict.reason }, now.getTime());
  log.info('connection test event', { verified: verdict.ok, ...(verdict.ok ? {} : { reason: verdict.reason }), openTest: answered });
  return verdict.ok && answered ? reply(200) : reply(401);
}

async function applyEvent(event: LifecycleEvent, nowIso: string): Promise<void> {
  const issue = await jira.getIssue('app', event.issueKey, ['status'], [DEV_VM_PROPERTY]);
  const stored = parseDevVmProperty(issue.properties?.[DEV_VM_PROPERTY]);
  const prop: Omit<DevVmProperty, 'updatedAt'> = stored ?? {};
  const live = liveVm(stored);
  if (live && live.id !== event.instanceId) {
    // A late event of an earlier VM of this issue: the live one stays on record, and no comment
    // about the old one (a stored "terminated" would let a second VM be provisioned).
    log.info('lifecycle event of a previous instance ignored', { eventId: event.id, issueKey: event.issueKey, instanceId: event.instanceId, liveInstanceId: live.id });
    return;
  }
  if (event.type === 'vm.ready' || event.type === 'vm.boot-failed') return applyBootEvent(event, prop, nowIso);
  if (isOlderThan(event, prop.lastObservation)) {
    // Delivered after a newer observation of this VM was applied: it must not bring back an older
    // state, nor post a comment about it. Answered 200: a retry would be just as old.
    log.info('lifecycle event older than the state on record ignored', { eventId: event.id, issueKey: event.issueKey, observedAt: event.observedAt ?? 'none', onRecord: prop.lastObservation?.observedAt });
    return;
  }
  const observation = observationOf(event);
  const known = prop.vm && prop.vm.id === event.instanceId ? prop.vm : undefined;
  const nextState = event.state ?? STATE_OF_EVENT[event.type];
  const vm: Vm | undefined = event.vm
    ? withKnownDatabases(event.vm, known)
    : known && nextState
      ? { ...known, state: nextState, ...(event.reason ? { stateReason: event.reason } : {}) }
      : known;
  const firstRun = event.type === 'vm.running' && !prop.provisionedWriteBackDone;
  const readyAnnounced = prop.boot?.instanceId === event.instanceId && prop.boot.status === 'ready';
  // An observed state (EC2's own notification, or the reconciler's `ec2` notice of a VM it saw
  // running) that the issue already shows is not announced twice: with EC2's events, the
  // reconciler's first-running notice usually comes minutes after the event-driven one.
  const confirmation = (event.cause === 'ec2-event' || event.cause === 'ec2') && !firstRun && confirmsRecord(known?.state, nextState);
  const updated = await writeProperty(
    event.issueKey,
    { ...prop, vm: vm ?? prop.vm, pending: undefined, ...(observation ? { lastObservation: observation } : {}), ...(firstRun ? { provisionedWriteBackDone: true } : {}) },
    nowIso,
  );
  // The comment shows the merged VM (with the database lines known from provisioning).
  const silent = confirmation || (isRoutineScheduleEvent(event, firstRun) && (await loadSettings()).comments.scheduledStartStop === 'silent');
  const comment = silent ? undefined : lifecycleComment(vm ? { ...event, vm } : event, vm?.schedule.timezone ?? 'UTC', firstRun, readyAnnounced);
  if (comment) await jira.addComment(event.issueKey, comment);
  log.info('lifecycle event applied', { eventId: event.id, type: event.type, issueKey: event.issueKey, instanceId: event.instanceId, ...(silent ? { comment: 'silenced' } : {}) });
  if (firstRun && updated.vm) await writeBack(event.issueKey, updated.vm);
}

/**
 * The VM's first-boot signal. It reports boot progress, not an instance state, so it is not
 * ordered against state observations (a reconciler run between the signal and its delivery must
 * not swallow it); instead the outcome is kept per instance: "ready" is announced once, and a
 * failure arriving after a ready is ignored. A ready after a failure (the boot script was re-run
 * and finished) is announced.
 */
async function applyBootEvent(event: LifecycleEvent, prop: Omit<DevVmProperty, 'updatedAt'>, nowIso: string): Promise<void> {
  const outcome = prop.boot?.instanceId === event.instanceId ? prop.boot : undefined;
  const failedAgain = event.type === 'vm.boot-failed' && outcome?.status === 'failed' && outcome.step === event.bootStep;
  if (outcome?.status === 'ready' || failedAgain) {
    log.info('boot signal already applied', { eventId: event.id, issueKey: event.issueKey, type: event.type });
    return;
  }
  const known = prop.vm && prop.vm.id === event.instanceId ? prop.vm : undefined;
  // The signal proves the instance ran; a record still saying "pending" is out of date.
  const vm = event.vm ? withKnownDatabases(event.vm, known) : known && known.state === 'pending' ? { ...known, state: 'running' as const } : known;
  const boot = { instanceId: event.instanceId, status: event.type === 'vm.ready' ? ('ready' as const) : ('failed' as const), ...(event.bootStep ? { step: event.bootStep } : {}), at: event.time };
  await writeProperty(event.issueKey, { ...prop, ...(vm ? { vm } : {}), boot }, nowIso);
  const comment = lifecycleComment(vm ? { ...event, vm } : event, vm?.schedule.timezone ?? 'UTC', false, false);
  if (comment) await jira.addComment(event.issueKey, comment);
  log.info('boot signal applied', { eventId: event.id, type: event.type, issueKey: event.issueKey, instanceId: event.instanceId, ...(event.bootStep ? { step: event.bootStep } : {}) });
}

/**
 * An observation (cause `ec2-event` or `ec2`) of the state the issue already shows, or of the
 * settled end of the transition on record (the API answered `stopping` to a stop, `shutting-down`
 * to a terminate, `pending` to a start, and already said so in a comment): it updates the
 * observation but is not announced twice. A state nobody announced (a shutdown from inside the VM)
 * still is.
 */
const SETTLES: Readonly<Partial<Record<VmState, VmState>>> = { stopping: 'stopped', 'shutting-down': 'terminated', pending: 'running' };
function confirmsRecord(onRecord: VmState | undefined, next: VmState | undefined): boolean {
  if (!onRecord || !next) return false;
  return onRecord === next || SETTLES[onRecord] === next;
}

/**
 * The daily start or stop of working hours, which the admin may keep off the issue's comments
 * (the property above still updates, so the panel shows the state). The first `running` carries
 * the connection details and is never routine; neither are failures or other causes. EC2's own
 * state-change notification of a start or stop counts as routine too: it usually confirms the
 * schedule's action, and may arrive before the reconciler's own event.
 */
function isRoutineScheduleEvent(event: LifecycleEvent, firstRun: boolean): boolean {
  if (event.cause !== 'schedule' && event.cause !== 'ec2-event') return false;
  return event.type === 'vm.stopped' || (event.type === 'vm.running' && !firstRun);
}

/**
 * The scheduler knows no database endpoints, so its events carry a VM without database lines;
 * the ones the API returned at provisioning (stored on the issue) are kept in that case.
 */
function withKnownDatabases(vm: Vm, known: Vm | undefined): Vm {
  if (vm.connection.databases.length > 0 || !known || known.connection.databases.length === 0) return vm;
  return { ...vm, connection: { ...vm.connection, databases: known.connection.databases } };
}

/**
 * Workflow write-back on the first `running`: move the issue to the admin's "provisioned"
 * status (through a transition whose target is that status) and fill the optional fields.
 * A workflow without such a transition gets a comment; nothing else fails because of it.
 */
async function writeBack(issueKey: string, vm: Vm): Promise<void> {
  const settings = await loadSettings();
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
