import { z } from 'zod';
import { notConfiguredComment } from '../domain/comments';
import { DEV_VM_PROPERTY, liveVm, parseDevVmProperty } from '../domain/vm-property';
import { log } from '../adapters/log';
import { RetryJob } from '../adapters/retry-queue';
import { jira, loadConfig, provisionAttempt } from './vm-service';

/**
 * Consumer of the retry queue (@forge/events). A queued provision request is sent again with
 * its original idempotency key; if the issue meanwhile got its VM (or the request was
 * abandoned), the job does nothing.
 */
const AsyncEvent = z.object({ body: z.unknown() });

export const onQueueEvent = (event: unknown): Promise<void> => handleQueueEvent(event, new Date());

export async function handleQueueEvent(event: unknown, now: Date): Promise<void> {
  const envelope = AsyncEvent.safeParse(event);
  const job = RetryJob.safeParse(envelope.success ? envelope.data.body : undefined);
  if (!job.success) {
    // A malformed job can never succeed; retrying it would only repeat the failure.
    log.error('queue event with an unknown body dropped');
    return;
  }
  const { issueKey, request, attempt } = job.data;
  const issue = await jira.getIssue('app', issueKey, ['status'], [DEV_VM_PROPERTY]);
  const prop = parseDevVmProperty(issue.properties?.[DEV_VM_PROPERTY]);
  if (liveVm(prop) || prop?.pending?.request.idempotencyKey !== request.idempotencyKey) {
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
