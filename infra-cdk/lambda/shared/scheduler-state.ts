import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Usage } from '../../../src/contract/vm-api';
import { emptyState, parseStoredState, type SchedulerState, usageFor } from '../../../src/domain/scheduler-state';

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
  /** Set when the object was written by an older version and migrated on read (it is written back in the current one). */
  migratedFrom?: number;
}

/**
 * The state object exists but cannot be used (not JSON, unknown version, schema mismatch). The
 * object is left as it is: a run that replaced it with an empty state would forget every VM's
 * month of usage and idle clock without anyone noticing. The reconciler fails instead (its error
 * alarm fires) until someone repairs or deletes the object, or deploys the release that wrote it.
 */
export class UnreadableStateError extends Error {
  override readonly name = 'UnreadableStateError';
  constructor(
    readonly location: string,
    readonly problem: string,
  ) {
    super(`${location}: ${problem}; it is left untouched`);
  }
}

export type WriteResult = { ok: true; etag: string } | { ok: false; reason: 'conflict' };

/** S3 answers a failed precondition with 412, and a concurrent conditional write with 409. */
function isConditionFailure(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const err = e as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  return status === 412 || status === 409 || err.name === 'PreconditionFailed' || err.name === 'ConditionalRequestConflict' || err.Code === 'PreconditionFailed';
}

function isNotModified(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.$metadata?.httpStatusCode === 304 || err.name === 'NotModified' || err.name === '304';
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
    const snapshot = await this.readUnlessUnchanged(undefined);
    if (snapshot === 'unchanged') throw new Error('S3 answered 304 to an unconditional GetObject');
    return snapshot;
  }

  /**
   * read(), as a conditional GET when `knownEtag` is given: `unchanged` when the object still has
   * that ETag (S3 answers 304 Not Modified without the body: If-None-Match,
   * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html), so a reader that kept the
   * parsed state skips the download and the parse. Still one GetObject.
   */
  async readUnlessUnchanged(knownEtag: string | undefined): Promise<StateSnapshot | 'unchanged'> {
    let body: string;
    let etag: string | undefined;
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key, ...(knownEtag ? { IfNoneMatch: knownEtag } : {}) }));
      body = (await res.Body?.transformToString('utf-8')) ?? '';
      etag = res.ETag;
    } catch (e) {
      if (knownEtag && isNotModified(e)) return 'unchanged';
      if (isMissing(e)) return { state: emptyState(), etag: undefined };
      throw e;
    }
    if (etag === undefined) throw new Error(`s3://${this.bucket}/${this.key} has no ETag; conditional writes are impossible`);
    const parsed = parseStoredState(body);
    if (!parsed.ok) throw new UnreadableStateError(`s3://${this.bucket}/${this.key}`, parsed.problem);
    return { state: parsed.state, etag, ...(parsed.migratedFrom !== undefined ? { migratedFrom: parsed.migratedFrom } : {}) };
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
 * Instances the scheduler has not seen yet are absent from the map; an unreadable object throws
 * (UnreadableStateError), which the VM API reports as usage unavailable.
 */
export async function readUsage(store: Pick<SchedulerStateStore, 'read'>, ids: readonly string[], now: Date, opts: { daily?: boolean } = {}): Promise<Map<string, Usage>> {
  const { state } = await store.read();
  return usageOf(state, ids, now, opts);
}

/**
 * readUsage() for a reader that asks often (the VM API: every fleet page): the parsed state is
 * kept with its ETag and each call is a conditional GetObject, so the pages of one sweep parse the
 * object (megabytes for 10,000 VMs with their days) once instead of once per page.
 */
export function cachedUsageReader(store: Pick<SchedulerStateStore, 'readUnlessUnchanged'>) {
  let kept: { etag: string; state: SchedulerState } | undefined;
  return async (ids: readonly string[], now: Date, opts: { daily?: boolean } = {}): Promise<Map<string, Usage>> => {
    const snap = await store.readUnlessUnchanged(kept?.etag);
    if (snap !== 'unchanged') kept = snap.etag ? { etag: snap.etag, state: snap.state } : undefined;
    const state = snap === 'unchanged' ? kept?.state : snap.state;
    return state ? usageOf(state, ids, now, opts) : new Map();
  };
}

function usageOf(state: SchedulerState, ids: readonly string[], now: Date, opts: { daily?: boolean }): Map<string, Usage> {
  const out = new Map<string, Usage>();
  for (const id of ids) {
    const u = usageFor(state, id, now, opts);
    if (u) out.set(id, u);
  }
  return out;
}
