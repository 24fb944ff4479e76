import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  paginateDescribeInstances,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type Filter,
  type Instance,
  type InstanceStateChange,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { Tag } from '../../../src/contract/tags';
import { errorCode, errorIs } from './clients';
import { isManaged } from './ec2-tags';

/**
 * The one EC2 gateway of the Lambdas (VM API, scheduler, notifier). Every lookup is filtered on
 * this stack's ManagedBy tag and paginated with the SDK's paginator; every call is counted.
 *
 * Two kinds of action:
 * - one instance (`start`, `stop`, `terminate`, `setTags`, `removeTags`, `run`): the SDK's error
 *   is thrown and the caller maps it (the VM API: shared/aws-errors.ts);
 * - many instances (`startMany`, … `untagMany`, the scheduler): ids go in batches of up to 1000
 *   per request, and a failed batch is split in halves until the failing ids are isolated, so
 *   one bad instance never blocks the others.
 */

/** EC2 documents at most 1000 instance ids per Start/Stop/TerminateInstances and CreateTags request. */
export const EC2_BATCH = 1000;
/**
 * DescribeInstances' MaxResults ceiling (5–1000). EC2 applies filters after paging, so the
 * largest page also means the fewest calls for a filtered lookup.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html
 */
const PAGE_SIZE = 1000;
/**
 * States the scheduler looks at. Terminated instances are listed too (EC2 shows them for about an
 * hour): a VM terminated through the API or the console is announced (vm.terminated) by the first
 * run that sees it gone, which a VM that is shutting down for a minute between runs would escape.
 */
export const LISTED_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'];

export interface CallCounts {
  describePages: number;
  run: number;
  start: number;
  stop: number;
  terminate: number;
  createTags: number;
  deleteTags: number;
}
const zeroCounts = (): CallCounts => ({ describePages: 0, run: 0, start: 0, stop: 0, terminate: 0, createTags: 0, deleteTags: 0 });
export const totalCalls = (c: CallCounts): number => c.describePages + c.run + c.start + c.stop + c.terminate + c.createTags + c.deleteTags;

export interface FailedId {
  id: string;
  code: string;
  message: string;
}
export interface BatchResult {
  ok: string[];
  failed: FailedId[];
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
async function runBatched(ids: readonly string[], send: (chunk: string[]) => Promise<void>, batchSize: number, budget = 200): Promise<BatchResult> {
  const result: BatchResult = { ok: [], failed: [] };
  const attempt = async (chunk: string[]): Promise<void> => {
    try {
      await send(chunk);
      result.ok.push(...chunk);
    } catch (e) {
      const code = errorCode(e);
      if (chunk.length === 1 || REQUEST_WIDE.has(code) || budget < 2) {
        for (const id of chunk) result.failed.push({ id, code, message: e instanceof Error ? e.message : String(e) });
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

export class Ec2Gateway {
  /** Requests sent, by kind (the scheduler reports the total per run). */
  readonly counts: CallCounts = zeroCounts();

  constructor(
    private readonly client: EC2Client,
    private readonly managedBy: string,
    /** Ids per request of the *Many actions; tests lower it to exercise batching. */
    private readonly batchSize: number = EC2_BATCH,
  ) {}

  private managedFilter(): Filter {
    return { Name: `tag:${Tag.ManagedBy}`, Values: [this.managedBy] };
  }

  /** Every instance of this stack matching `filters`: every page, every NextToken followed. */
  private async describeAll(filters: Filter[]): Promise<Instance[]> {
    const out: Instance[] = [];
    for await (const page of paginateDescribeInstances({ client: this.client, pageSize: PAGE_SIZE }, { Filters: [this.managedFilter(), ...filters] })) {
      this.counts.describePages++;
      for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) if (i.InstanceId) out.push(i);
    }
    return out;
  }

  /** Every instance of this stack in one of LISTED_STATES (the scheduler's view of the fleet). */
  listManaged(): Promise<Instance[]> {
    return this.describeAll([{ Name: 'instance-state-name', Values: LISTED_STATES }]);
  }

  /** Instances of this stack tagged with a Jira issue, oldest first. */
  async listByIssue(issueKey: string): Promise<Instance[]> {
    const all = await this.describeAll([{ Name: `tag:${Tag.JiraIssue}`, Values: [issueKey] }]);
    return all.sort((a, b) => (a.LaunchTime?.getTime() ?? 0) - (b.LaunchTime?.getTime() ?? 0));
  }

  /**
   * ONE DescribeInstances call: this stack's instances matching `filters`, at most `maxResults`
   * (5–1000) of them, from `nextToken` on. EC2 applies filters after paging, so a page may hold
   * fewer instances than asked (even none) and still carry a NextToken; the token is only valid
   * with the same filters.
   * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html
   */
  async describePage(filters: Filter[], maxResults: number, nextToken: string | undefined): Promise<{ instances: Instance[]; nextToken: string | undefined }> {
    this.counts.describePages++;
    const res = await this.client.send(
      new DescribeInstancesCommand({ Filters: [this.managedFilter(), ...filters], MaxResults: maxResults, ...(nextToken ? { NextToken: nextToken } : {}) }),
    );
    const instances = (res.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    return { instances, nextToken: res.NextToken || undefined };
  }

  /**
   * The instance a provision request with this key already launched, found by its
   * DevVmIdempotencyKey tag (written atomically by RunInstances' TagSpecifications). A terminated
   * instance still counts: the key was used. Only the tag filter is used: DescribeInstances'
   * `client-token` filter is valid on AWS but not implemented by emulators (moto answers "Filter
   * dicts have not been implemented in Moto for 'client-token'"). A lookup that misses because the
   * tag is not yet visible is still safe: RunInstances gets the same ClientToken, and EC2 answers a
   * repeated token with the instance it already launched instead of a second one
   * (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html).
   */
  async findByIdempotencyKey(key: string): Promise<Instance | undefined> {
    const byTag = await this.describeAll([{ Name: `tag:${Tag.IdempotencyKey}`, Values: [key] }]);
    return byTag[0];
  }

  /** One instance of this stack by id; undefined when it does not exist or is not managed by us. */
  async getManaged(instanceId: string): Promise<Instance | undefined> {
    try {
      this.counts.describePages++;
      const res = await this.client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      const instance = res.Reservations?.[0]?.Instances?.[0];
      return instance && isManaged(instance, this.managedBy) ? instance : undefined;
    } catch (e) {
      if (errorIs(e, 'InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed')) return undefined;
      throw e;
    }
  }

  async run(input: RunInstancesCommandInput): Promise<Instance> {
    this.counts.run++;
    const res = await this.client.send(new RunInstancesCommand(input));
    const instance = res.Instances?.[0];
    if (!instance?.InstanceId) throw new Error('RunInstances returned no instance');
    return instance;
  }

  async start(instanceId: string): Promise<InstanceStateChange | undefined> {
    this.counts.start++;
    return (await this.client.send(new StartInstancesCommand({ InstanceIds: [instanceId] }))).StartingInstances?.[0];
  }

  async stop(instanceId: string): Promise<InstanceStateChange | undefined> {
    this.counts.stop++;
    return (await this.client.send(new StopInstancesCommand({ InstanceIds: [instanceId] }))).StoppingInstances?.[0];
  }

  async terminate(instanceId: string): Promise<InstanceStateChange | undefined> {
    this.counts.terminate++;
    return (await this.client.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }))).TerminatingInstances?.[0];
  }

  async setTags(instanceId: string, tags: Record<string, string>): Promise<void> {
    const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
    if (!list.length) return;
    this.counts.createTags++;
    await this.client.send(new CreateTagsCommand({ Resources: [instanceId], Tags: list }));
  }

  async removeTags(instanceId: string, keys: readonly string[]): Promise<void> {
    if (!keys.length) return;
    this.counts.deleteTags++;
    await this.client.send(new DeleteTagsCommand({ Resources: [instanceId], Tags: keys.map((Key) => ({ Key })) }));
  }

  /** One CreateTags for several resources (an instance and its volumes): EC2 authorises each resource on its own. */
  async tagResources(resourceIds: readonly string[], tags: Record<string, string>): Promise<void> {
    const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
    if (!list.length || !resourceIds.length) return;
    this.counts.createTags++;
    await this.client.send(new CreateTagsCommand({ Resources: [...resourceIds], Tags: list }));
  }

  /** One DeleteTags naming the keys (never without them: that would delete every tag). */
  async untagResources(resourceIds: readonly string[], keys: readonly string[]): Promise<void> {
    if (!keys.length || !resourceIds.length) return;
    this.counts.deleteTags++;
    await this.client.send(new DeleteTagsCommand({ Resources: [...resourceIds], Tags: keys.map((Key) => ({ Key })) }));
  }

  startMany(ids: readonly string[]): Promise<BatchResult> {
    return runBatched(ids, async (chunk) => {
      this.counts.start++;
      await this.client.send(new StartInstancesCommand({ InstanceIds: chunk }));
    }, this.batchSize);
  }

  stopMany(ids: readonly string[]): Promise<BatchResult> {
    return runBatched(ids, async (chunk) => {
      this.counts.stop++;
      await this.client.send(new StopInstancesCommand({ InstanceIds: chunk }));
    }, this.batchSize);
  }

  /** Termination only: the EFS home directory and the client databases are separate and kept. */
  terminateMany(ids: readonly string[]): Promise<BatchResult> {
    return runBatched(ids, async (chunk) => {
      this.counts.terminate++;
      await this.client.send(new TerminateInstancesCommand({ InstanceIds: chunk }));
    }, this.batchSize);
  }

  /** One CreateTags per (key, value) per batch of ids. */
  tagMany(key: string, value: string, ids: readonly string[]): Promise<BatchResult> {
    return runBatched(ids, async (chunk) => {
      this.counts.createTags++;
      await this.client.send(new CreateTagsCommand({ Resources: chunk, Tags: [{ Key: key, Value: value }] }));
    }, this.batchSize);
  }

  /** DeleteTags without a value removes the key whatever its value. */
  untagMany(key: string, ids: readonly string[]): Promise<BatchResult> {
    return runBatched(ids, async (chunk) => {
      this.counts.deleteTags++;
      await this.client.send(new DeleteTagsCommand({ Resources: chunk, Tags: [{ Key: key }] }));
    }, this.batchSize);
  }
}

/** The scheduler's view of the gateway (a port, so its tests may pass a narrower fake). */
export type FleetGateway = Pick<Ec2Gateway, 'counts' | 'listManaged' | 'startMany' | 'stopMany' | 'terminateMany' | 'tagMany' | 'untagMany'>;
