import { Queue } from '@forge/events';
import * as z from 'zod';
import { ProvisionRequest } from '../contract/vm-api';

/**
 * Work that must wait or be retried goes through one @forge/events queue: a provision request
 * whose API call failed is pushed back with a delay and the SAME idempotency key, so however
 * often it is retried the API launches at most one VM.
 */
export const RETRY_QUEUE_KEY = 'dev-vm-retries';

export const RetryJob = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('provision'), issueKey: z.string(), request: ProvisionRequest, attempt: z.number().int().min(1) }),
]);
export type RetryJob = z.infer<typeof RetryJob>;

const queue = new Queue({ key: RETRY_QUEUE_KEY });

export async function enqueueRetry(job: RetryJob, delayInSeconds: number): Promise<string> {
  const { jobId } = await queue.push({ body: job, delayInSeconds: Math.min(900, Math.max(0, Math.round(delayInSeconds))) });
  return jobId;
}
