import * as z from 'zod';
import { notConfiguredComment } from '../domain/comments';
import { queuedRetryWanted } from '../domain/provision-policy';
import { DEV_VM_PROPERTY, readDevVmProperty } from '../domain/vm-property';
import { log } from '../adapters/log';
import { RetryJob } from '../adapters/retry-queue';
import type { InvocationError } from '@forge/events';
import { withPlatformRetry } from './invocation-retry';
import { defaultVmService, type VmService } from './vm-service';

/**
 * Consumer of the retry queue (@forge/events). A queued provision request is sent again with
 * its original idempotency key; if the issue meanwhile got its VM (or the request was
 * abandoned), the job does nothing.
 */
const AsyncEvent = z.object({ body: z.unknown() });

const service = defaultVmService();
export const onQueueEvent = (event: unknown): Promise<InvocationError | undefined> => handleQueueEvent(event, new Date(), service);

/**
 * A consumer that throws is redelivered with backoff for up to 24 hours, whatever the cause (a
 * deleted issue would be retried for a day). Transient failures return an InvocationError with
 * a delay instead; the rest end the job with a log line.
 */
export function handleQueueEvent(event: unknown, now: Date, svc: VmService = service): Promise<InvocationError | undefined> {
  const issueKey = (event as { body?: { issueKey?: unknown } } | null)?.body?.issueKey;
  return withPlatformRetry('queued job', event, { issueKey: typeof issueKey === 'string' ? issueKey : undefined }, () => processQueueEvent(event, now, svc));
}

async function processQueueEvent(event: unknown, now: Date, svc: VmService): Promise<void> {
  const { jira, loadConfig, noticeUnreadableRecord, provisionAttempt } = svc;
  const envelope = AsyncEvent.safeParse(event);
  const job = RetryJob.safeParse(envelope.success ? envelope.data.body : undefined);
  if (!job.success) {
    // A malformed job can never succeed; retrying it would only repeat the failure.
    log.error('queue event with an unknown body dropped');
    return;
  }
  const { issueKey, request, attempt } = job.data;
  const issue = await jira.getIssue('app', issueKey, ['status'], [DEV_VM_PROPERTY]);
  const rawRecord = issue.properties?.[DEV_VM_PROPERTY];
  const record = readDevVmProperty(rawRecord);
  if (record.kind === 'unreadable') {
    // The request's key can no longer be checked against the record: sending it could launch a
    // second VM, so the job ends here and the issue says why.
    await noticeUnreadableRecord(issueKey, rawRecord, record.reason, 'queued provision');
    return;
  }
  const prop = record.kind === 'ok' ? record.prop : undefined;
  if (!queuedRetryWanted(prop, request.idempotencyKey) || (await svc.store.isQueuedProvisionCancelled(request.idempotencyKey))) {
    log.info('queued provision no longer needed', { issueKey, attempt });
    return;
  }
  const { api, missing } = await loadConfig();
  if (!api) {
    await jira.addComment(issueKey, notConfiguredComment(missing));
    return;
  }
  await provisionAttempt(api, issueKey, request, attempt, prop, now.toISOString());
}
