import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { MANAGED_BY } from '../../../src/contract/tags';
import { startAwsStandIn, type AwsStandIn } from '../../../local/aws';
import { storeObject } from '../../../local/aws/s3';
import type { FaultHandle, InstanceOperation } from '../../../local/aws/faults';
import type { Ec2Instance } from '../../../local/aws/state';

/**
 * The reconciler's AWS for its tests: the local platform's one AWS model (local/aws), reached over
 * HTTP by real SDK clients, so instance state, paging, all-or-nothing batch failures, S3
 * conditional writes and PutEvents limits are the stand-in's, not a second copy here. What this
 * adds is only observation: each client records the calls it made (command, instance ids, input)
 * and the outcome of each PutObject, and can hold GetObject answers to line up overlapping runs.
 */

export const STATE_BUCKET = 'state-bucket';
export const STATE_KEY = 'scheduler/state.json';
export const BUS = 'dev-vm-bus';

export interface Ec2Call {
  command: string;
  ids: string[];
  input?: unknown;
}

export interface StatePut {
  ifMatch?: string;
  ifNoneMatch?: string;
  ok: boolean;
}

export const identityTags = (i: number): Record<string, string> => ({
  ManagedBy: MANAGED_BY,
  JiraIssue: `OPS-${i + 1}`,
  ClientName: 'acme',
  DeveloperName: `dev${i}`,
  DevVmOs: 'al2023',
  CreatedAt: '2026-11-01T00:00:00Z',
});

export const instanceId = (i: number): string => `i-${(0x1000000 + i).toString(16).padStart(17, '0')}`;

type Around = (command: string, input: Record<string, unknown>, send: () => Promise<unknown>) => Promise<unknown>;

/** Runs `around` over every command the client sends (the SDK's initialize step: once per command, retries included). */
function observe(client: EC2Client | S3Client, name: string, around: Around): void {
  // Both clients' stacks take the same middleware shape; typed through EC2Client's overloads.
  const stack = client.middlewareStack as EC2Client['middlewareStack'];
  stack.add(
    (next, context) => async (args) =>
      (await around((context.commandName ?? '').replace(/Command$/, ''), args.input as unknown as Record<string, unknown>, () => next(args))) as Awaited<ReturnType<typeof next>>,
    { step: 'initialize', name },
  );
}

export class ReconcilerAws {
  /** EC2 calls in the order the clients made them (failed ones too). */
  readonly calls: Ec2Call[] = [];
  readonly puts: StatePut[] = [];
  /** Hold GetObject answers until this many reads have their answer (both runs read the same state). */
  readBarrier = 0;
  private waiting: (() => void)[] = [];

  private constructor(
    readonly aws: AwsStandIn,
    private readonly clock: { nowMs: number },
  ) {}

  /**
   * Transitions (pending, stopping, shutting-down) last a day on the stand-in clock, so they end
   * when a test calls settle(), as they would between two runs five minutes apart on real EC2.
   */
  static async start(): Promise<ReconcilerAws> {
    const clock = { nowMs: Date.parse('2026-11-25T00:00:00Z') };
    const aws = await startAwsStandIn({ transitionSeconds: 24 * 3600, clock: () => clock.nowMs });
    return new ReconcilerAws(aws, clock);
  }

  close(): Promise<void> {
    return this.aws.close();
  }

  /** Moves the stand-in clock (what launch times and state changes are stamped with). */
  at(iso: string): void {
    this.clock.nowMs = Date.parse(iso);
  }

  /** A settled instance of this stack, id `instanceId(i)`, with the identity tags plus `tags`. */
  add(i: number, state: 'running' | 'stopped' | 'terminated', tags: Record<string, string>, launchTime = '2026-11-01T00:00:00Z'): string {
    const [id] = this.aws.seedInstances({ count: 1, ids: [instanceId(i)], state, tags: { ...identityTags(i), ...tags }, launchTime: Date.parse(launchTime), instanceType: 't3.large' });
    return id as string;
  }

  instance(id: string): Ec2Instance | undefined {
    return this.aws.state.instances.get(id);
  }

  instances(): Ec2Instance[] {
    return [...this.aws.state.instances.values()];
  }

  settle(): void {
    this.aws.settle();
  }

  /** Every `operation` naming this instance fails whole with `code` until the handle is cleared. */
  refuse(operation: InstanceOperation, id: string, code: string, status = 400): FaultHandle {
    return this.aws.injectFault({ kind: 'instance-error', operation, instanceId: id, code, status });
  }

  count(command: string): number {
    return this.calls.filter((c) => c.command === command).length;
  }

  get stateBody(): string | undefined {
    return this.aws.state.objects.get(`${STATE_BUCKET}/${STATE_KEY}`)?.body.toString('utf8');
  }

  set stateBody(text: string) {
    storeObject(this.aws.state, { bucket: STATE_BUCKET, key: STATE_KEY, body: Buffer.from(text), contentType: 'application/json', lastModified: this.clock.nowMs, metadata: {} });
  }

  /** The ETag the state object has now (what a write based on it must send as If-Match). */
  stateEtag(): string | undefined {
    return this.aws.state.objects.get(`${STATE_BUCKET}/${STATE_KEY}`)?.etag;
  }

  /** The Detail of every event published to the app's bus, in order. */
  details(): { type: string; instanceId: string; reason?: string; cause: string; vm?: unknown; state?: string; observedAt?: string; sequence?: number }[] {
    return this.aws.state.events.filter((e) => e.eventBusName === BUS).map((e) => e.detail as ReturnType<ReconcilerAws['details']>[number]);
  }

  /** PutEvents requests served. */
  putEventsCalls(): number {
    return this.aws.state.calls.filter((c) => c.service === 'events' && c.operation === 'PutEvents').length;
  }

  ec2Client(): EC2Client {
    const client = new EC2Client(this.aws.clientConfig());
    observe(client, 'recordEc2Calls', (command, input, send) => {
      const ids = (input.InstanceIds ?? input.Resources ?? []) as string[];
      const withInput = command === 'DescribeInstances' || command === 'CreateTags' || command === 'DeleteTags';
      this.calls.push({ command, ids: [...ids], ...(withInput ? { input } : {}) });
      return send();
    });
    return client;
  }

  s3Client(): S3Client {
    const client = new S3Client(this.aws.clientConfig());
    observe(client, 'recordStateObject', async (command, input, send) => {
      if (command === 'PutObject') {
        const put = { ...(input.IfMatch ? { ifMatch: String(input.IfMatch) } : {}), ...(input.IfNoneMatch ? { ifNoneMatch: String(input.IfNoneMatch) } : {}) };
        try {
          const out = await send();
          this.puts.push({ ...put, ok: true });
          return out;
        } catch (e) {
          this.puts.push({ ...put, ok: false });
          throw e;
        }
      }
      if (command !== 'GetObject' || this.readBarrier <= 1) return send();
      const settled = await send().then(
        (out) => ({ out }),
        (error: unknown) => ({ error }),
      );
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        if (this.waiting.length >= this.readBarrier) this.waiting.splice(0).forEach((r) => r());
      });
      if ('error' in settled) throw settled.error;
      return settled.out;
    });
    return client;
  }

  eventsClient(): EventBridgeClient {
    return new EventBridgeClient(this.aws.clientConfig());
  }
}
