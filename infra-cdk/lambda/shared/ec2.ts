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
import { errorIs } from './clients';
import { isManaged } from './vm-record';

/**
 * The EC2 calls of the VM API and the scheduler: paginated lookups of this stack's instances
 * (always filtered on the ManagedBy tag) and the lifecycle actions. Errors are the SDK's; the
 * caller maps them to API errors (shared/aws-errors.ts).
 */
export class Ec2Gateway {
  constructor(
    private readonly client: EC2Client,
    private readonly managedBy: string,
  ) {}

  private managedFilter(): Filter {
    return { Name: `tag:${Tag.ManagedBy}`, Values: [this.managedBy] };
  }

  private async describeAll(filters: Filter[]): Promise<Instance[]> {
    const out: Instance[] = [];
    for await (const page of paginateDescribeInstances({ client: this.client, pageSize: 100 }, { Filters: filters })) {
      for (const r of page.Reservations ?? []) out.push(...(r.Instances ?? []));
    }
    return out;
  }

  /** Instances of this stack tagged with a Jira issue, oldest first. */
  async listByIssue(issueKey: string): Promise<Instance[]> {
    const all = await this.describeAll([this.managedFilter(), { Name: `tag:${Tag.JiraIssue}`, Values: [issueKey] }]);
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
    const byTag = await this.describeAll([this.managedFilter(), { Name: `tag:${Tag.IdempotencyKey}`, Values: [key] }]);
    return byTag[0];
  }

  /** One instance of this stack by id; undefined when it does not exist or is not managed by us. */
  async getManaged(instanceId: string): Promise<Instance | undefined> {
    try {
      const res = await this.client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      const instance = res.Reservations?.[0]?.Instances?.[0];
      return instance && isManaged(instance, this.managedBy) ? instance : undefined;
    } catch (e) {
      if (errorIs(e, 'InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed')) return undefined;
      throw e;
    }
  }

  async run(input: RunInstancesCommandInput): Promise<Instance> {
    const res = await this.client.send(new RunInstancesCommand(input));
    const instance = res.Instances?.[0];
    if (!instance?.InstanceId) throw new Error('RunInstances returned no instance');
    return instance;
  }

  async start(instanceId: string): Promise<InstanceStateChange | undefined> {
    return (await this.client.send(new StartInstancesCommand({ InstanceIds: [instanceId] }))).StartingInstances?.[0];
  }

  async stop(instanceId: string): Promise<InstanceStateChange | undefined> {
    return (await this.client.send(new StopInstancesCommand({ InstanceIds: [instanceId] }))).StoppingInstances?.[0];
  }

  async terminate(instanceId: string): Promise<InstanceStateChange | undefined> {
    return (await this.client.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }))).TerminatingInstances?.[0];
  }

  async setTags(instanceId: string, tags: Record<string, string>): Promise<void> {
    const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
    if (list.length) await this.client.send(new CreateTagsCommand({ Resources: [instanceId], Tags: list }));
  }

  async removeTags(instanceId: string, keys: readonly string[]): Promise<void> {
    if (keys.length) await this.client.send(new DeleteTagsCommand({ Resources: [instanceId], Tags: keys.map((Key) => ({ Key })) }));
  }
}

/** Apply a tag change to an instance record locally (for the response after CreateTags/DeleteTags). */
export function withTags(instance: Instance, set: Record<string, string>, remove: readonly string[] = []): Instance {
  const tags = new Map((instance.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  for (const k of remove) tags.delete(k);
  for (const [k, v] of Object.entries(set)) tags.set(k, v);
  return { ...instance, Tags: [...tags].map(([Key, Value]) => ({ Key, Value })) };
}
