import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Usage } from '../../../src/contract/vm-api';
import { emptyState, SchedulerState, usageFor } from '../../../src/domain/scheduler-state';

export { usageFor };
export type { SchedulerState };

/**
 * The scheduler's memory: ONE JSON object in S3 (STATE_BUCKET/STATE_KEY), read once per run and
 * written with a conditional write (If-Match the ETag that was read, If-None-Match `*` for the
 * first run). Two overlapping runs therefore cannot both commit: the reconciler commits its
 * decisions BEFORE acting, and the run whose write is rejected does not act.
 */

export interface StateSnapshot {
  state: SchedulerState;
  /** ETag of the object read; undefined when there is no object yet. */
  etag: string | undefined;
  /** Set when the stored object could not be used and an empty state stands in for it. */
  problem?: string;
}

export type WriteResult = { ok: true; etag: string } | { ok: false; reason: 'conflict' };

/** S3 answers a failed precondition with 412, and a concurrent conditional write with 409. */
function isConditionFailure(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const err = e as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  return status === 412 || status === 409 || err.name === 'PreconditionFailed' || err.name === 'ConditionalRequestConflict' || err.Code === 'PreconditionFailed';
}

function isMissing(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404;
}

export class SchedulerStateStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly key: string,
  ) {}

  async read(): Promise<StateSnapshot> {
    let body: string;
    let etag: string | undefined;
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key }));
      body = (await res.Body?.transformToString('utf-8')) ?? '';
      etag = res.ETag;
    } catch (e) {
      if (isMissing(e)) return { state: emptyState(), etag: undefined };
      throw e;
    }
    if (etag === undefined) throw new Error(`s3://${this.bucket}/${this.key} has no ETag; conditional writes are impossible`);
    let parsed: ReturnType<typeof SchedulerState.safeParse>;
    try {
      parsed = SchedulerState.safeParse(JSON.parse(body));
    } catch {
      return { state: emptyState(), etag, problem: 'state object is not JSON; starting from an empty state' };
    }
    if (!parsed.success) {
      // A corrupt record must not stop scheduling for ever. Starting empty is the safe direction:
      // idle clocks restart (terminations are delayed, never hastened) and month usage restarts.
      const first = parsed.error.issues[0];
      return { state: emptyState(), etag, problem: `state object does not match its schema (${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'}); starting from an empty state` };
    }
    return { state: parsed.data, etag };
  }

  /** Write `state` only if the object is still the one read (`etag`), or still absent (undefined). */
  async write(state: SchedulerState, etag: string | undefined): Promise<WriteResult> {
    try {
      const res = await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key,
          Body: JSON.stringify(state),
          ContentType: 'application/json',
          ...(etag === undefined ? { IfNoneMatch: '*' } : { IfMatch: etag }),
        }),
      );
      if (!res.ETag) throw new Error('PutObject returned no ETag');
      return { ok: true, etag: res.ETag };
    } catch (e) {
      if (isConditionFailure(e)) return { ok: false, reason: 'conflict' };
      throw e;
    }
  }
}

/**
 * Usage of several instances from one read of the state (for the VM API's `Vm.usage`).
 * Instances the scheduler has not seen yet are absent from the map.
 */
export async function readUsage(store: Pick<SchedulerStateStore, 'read'>, ids: readonly string[], now: Date): Promise<Map<string, Usage>> {
  const { state } = await store.read();
  const out = new Map<string, Usage>();
  for (const id of ids) {
    const u = usageFor(state, id, now);
    if (u) out.set(id, u);
  }
  return out;
}
