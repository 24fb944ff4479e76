import {
  CreateTagsCommand,
  DeleteTagsCommand,
  paginateDescribeInstances,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';
import { Tag } from '../../../src/contract/tags';

/**
 * The reconciler's EC2 calls, sized for fleets: one paginated DescribeInstances (1000 per page,
 * every NextToken followed) and actions on many ids per call. A failed batch is split in halves
 * until the failing ids are isolated, so one bad instance never blocks the others.
 */

/** EC2 documents at most 1000 instance ids per TerminateInstances / CreateTags request. */
export const EC2_BATCH = 1000;
/**
 * States the scheduler looks at. Terminated instances are listed too (EC2 shows them for about an
 * hour): a VM terminated through the API or the console is announced (vm.terminated) by the first
 * run that sees it gone, which a VM that is shutting down for a minute between runs would escape.
 */
export const LISTED_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'];

export interface CallCounts {
  describePages: number;
  start: number;
  stop: number;
  terminate: number;
  createTags: number;
  deleteTags: number;
}
export const zeroCounts = (): CallCounts => ({ describePages: 0, start: 0, stop: 0, terminate: 0, createTags: 0, deleteTags: 0 });
export const totalCalls = (c: CallCounts): number => c.describePages + c.start + c.stop + c.terminate + c.createTags + c.deleteTags;

export interface FailedId {
  id: string;
  code: string;
  message: string;
}
export interface BatchResult {
  ok: string[];
  failed: FailedId[];
}

function errorCode(e: unknown): string {
  if (typeof e === 'object' && e !== null) {
    const err = e as { Code?: string; name?: string };
    return err.Code ?? err.name ?? 'Error';
  }
  return 'Error';
}
function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Errors that concern the whole request, not one of its ids: splitting would only multiply the
 * calls (the SDK has already retried throttling with backoff).
 */
const REQUEST_WIDE = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'InternalError', 'InternalFailure', 'ServiceUnavailable', 'Unavailable', 'AuthFailure']);

/**
 * Run `send` over `ids` in chunks of `batchSize`; a failed chunk is bisected until each failure
 * is pinned to one id. `budget` bounds the extra calls bisection may make, so a systematic
 * failure cannot turn into thousands of calls: ids left when it runs out fail with the chunk's error.
 */
export async function runBatched(
  ids: readonly string[],
  send: (chunk: string[]) => Promise<void>,
  options: { batchSize?: number; budget?: number } = {},
): Promise<BatchResult> {
  const batchSize = options.batchSize ?? EC2_BATCH;
  let budget = options.budget ?? 200;
  const result: BatchResult = { ok: [], failed: [] };
  const attempt = async (chunk: string[]): Promise<void> => {
    try {
      await send(chunk);
      result.ok.push(...chunk);
    } catch (e) {
      const code = errorCode(e);
      if (chunk.length === 1 || REQUEST_WIDE.has(code) || budget < 2) {
        for (const id of chunk) result.failed.push({ id, code, message: errorMessage(e) });
        return;
      }
      budget -= 2;
      const mid = Math.ceil(chunk.length / 2);
      await attempt(chunk.slice(0, mid));
      await attempt(chunk.slice(mid));
    }
  };
  for (let i = 0; i < ids.length; i += batchSize) await attempt(ids.slice(i, i + batchSize));
  return result;
}

export class Fleet {
  readonly counts: CallCounts = zeroCounts();

  constructor(
    private readonly ec2: EC2Client,
    private readonly managedBy: string,
    private readonly batchSize: number = EC2_BATCH,
  ) {}

  /** Every instance of this stack that is not terminated: one paginated DescribeInstances. */
  async listManaged(): Promise<Instance[]> {
    const out: Instance[] = [];
    const pages = paginateDescribeInstances(
      { client: this.ec2, pageSize: 1000 },
      {
        Filters: [
          { Name: `tag:${Tag.ManagedBy}`, Values: [this.managedBy] },
          { Name: 'instance-state-name', Values: LISTED_STATES },
        ],
      },
    );
    for await (const page of pages) {
      this.counts.describePages++;
      for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) if (i.InstanceId) out.push(i);
    }
    return out;
  }

  start(ids: readonly string[]): Promise<BatchResult> {
    return runBatched(ids, async (chunk) => {
      this.counts.start++;
      await this.ec2.send(new StartInstancesCommand({ InstanceIds: chunk }));
    }, { batchSize: this.batchSize });
  }

  stop(ids: readonly string[]): Promise<BatchResult> {
    return runBatched(ids, async (chunk) => {
      this.counts.stop++;
      await this.ec2.send(new StopInstancesCommand({ InstanceIds: chunk }));
    }, { batchSize: this.batchSize });
  }

  /** Termination only: the EFS home directory and the client databases are separate and kept. */
  terminate(ids: readonly string[]): Promise<BatchResult> {
    return runBatched(ids, async (chunk) => {
      this.counts.terminate++;
      await this.ec2.send(new TerminateInstancesCommand({ InstanceIds: chunk }));
    }, { batchSize: this.batchSize });
  }

  /** One CreateTags per (key, value) per batch of ids. */
  setTag(key: string, value: string, ids: readonly string[]): Promise<BatchResult> {
    return runBatched(ids, async (chunk) => {
      this.counts.createTags++;
      await this.ec2.send(new CreateTagsCommand({ Resources: chunk, Tags: [{ Key: key, Value: value }] }));
    }, { batchSize: this.batchSize });
  }

  /** DeleteTags without a value removes the key whatever its value. */
  deleteTag(key: string, ids: readonly string[]): Promise<BatchResult> {
    return runBatched(ids, async (chunk) => {
      this.counts.deleteTags++;
      await this.ec2.send(new DeleteTagsCommand({ Resources: chunk, Tags: [{ Key: key }] }));
    }, { batchSize: this.batchSize });
  }
}
