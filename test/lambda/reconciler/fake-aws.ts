import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  EC2Client,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, PutObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { MANAGED_BY } from '../../../src/contract/tags';
import { matchesFilters } from '../../../local/aws/ec2-filters';
import type { InstanceStateName } from '../../../local/aws/state';

/**
 * In-memory EC2, S3 and EventBridge behind aws-sdk-client-mock, following the real contracts
 * the reconciler depends on: DescribeInstances filters, MaxResults (5–1000) and NextToken;
 * all-or-nothing Start/Stop/Terminate/CreateTags that fail the whole request when one id is bad
 * (IncorrectInstanceState, InvalidInstanceID.NotFound, capacity); S3 conditional writes with
 * 412 PreconditionFailed; PutEvents with at most 10 entries.
 */

export interface FakeInstance {
  id: string;
  state: string;
  tags: Map<string, string>;
  launchTime?: Date;
  stateReason?: { Code: string; Message: string };
}

export function awsError(code: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), { name: code, Code: code, $fault: 'client', $metadata: { httpStatusCode: status } });
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

export class FakeEc2 {
  readonly instances = new Map<string, FakeInstance>();
  readonly calls: { command: string; ids: string[]; input?: unknown }[] = [];
  /** id → error code thrown whenever a request includes it (for that action). */
  readonly poison = new Map<string, { action: 'start' | 'stop' | 'terminate' | 'tag'; code: string }>();
  /** ids whose next start falls back to stopped on settle (e.g. a KMS key the instance cannot use). */
  readonly fallsBack = new Map<string, string>();
  clock = new Date('2026-11-25T00:00:00Z');
  readonly mock = mockClient(EC2Client);

  constructor() {
    this.mock.on(DescribeInstancesCommand).callsFake((input: { Filters?: { Name: string; Values: string[] }[]; MaxResults?: number; NextToken?: string }) => {
      const max = input.MaxResults ?? 1000;
      if (max < 5 || max > 1000) throw awsError('InvalidParameterValue', 'MaxResults must be between 5 and 1000');
      this.calls.push({ command: 'DescribeInstances', ids: [], input });
      // Filtering is the local platform's one implementation (local/aws/ec2-filters.ts).
      const filters = (input.Filters ?? []).map((f) => ({ name: f.Name, values: f.Values }));
      const matching = [...this.instances.values()].filter((inst) =>
        matchesFilters({ instanceId: inst.id, state: inst.state as InstanceStateName, tags: inst.tags }, filters),
      );
      const offset = input.NextToken ? Number(input.NextToken) : 0;
      const page = matching.slice(offset, offset + max);
      const next = offset + max < matching.length ? String(offset + max) : undefined;
      return { Reservations: page.map((i) => ({ Instances: [this.toInstance(i)] })), ...(next ? { NextToken: next } : {}) };
    });
    const action = (command: string, kind: 'start' | 'stop' | 'terminate', apply: (i: FakeInstance) => void, allowed: string[]) => (input: { InstanceIds?: string[] }) => {
      const ids = input.InstanceIds ?? [];
      this.calls.push({ command, ids });
      if (ids.length > 1000) throw awsError('InvalidParameterValue', 'too many instance ids');
      const missing = ids.filter((id) => !this.instances.has(id));
      if (missing.length) throw awsError('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
      for (const id of ids) {
        const p = this.poison.get(id);
        if (p && p.action === kind) throw awsError(p.code, `${p.code} for ${id}`);
        const inst = this.instances.get(id)!;
        if (!allowed.includes(inst.state)) throw awsError('IncorrectInstanceState', `The instance '${id}' is not in a state from which it can be ${kind}ed.`);
      }
      for (const id of ids) apply(this.instances.get(id)!);
      return {};
    };
    this.mock.on(StartInstancesCommand).callsFake(
      action('StartInstances', 'start', (i) => {
        if (i.state === 'stopped') {
          i.state = 'pending';
          i.launchTime = this.clock;
        }
      }, ['stopped', 'pending', 'running']),
    );
    this.mock.on(StopInstancesCommand).callsFake(action('StopInstances', 'stop', (i) => (i.state = i.state === 'stopped' ? 'stopped' : 'stopping'), ['pending', 'running', 'stopping', 'stopped']));
    this.mock.on(TerminateInstancesCommand).callsFake(action('TerminateInstances', 'terminate', (i) => (i.state = 'shutting-down'), ['pending', 'running', 'stopping', 'stopped', 'shutting-down']));
    this.mock.on(CreateTagsCommand).callsFake((input: { Resources?: string[]; Tags?: { Key?: string; Value?: string }[] }) => {
      const ids = input.Resources ?? [];
      this.calls.push({ command: 'CreateTags', ids, input });
      if (ids.some((id) => this.poison.get(id)?.action === 'tag')) throw awsError('UnauthorizedOperation', 'not allowed');
      for (const id of ids) for (const t of input.Tags ?? []) this.instances.get(id)?.tags.set(t.Key ?? '', t.Value ?? '');
      return {};
    });
    this.mock.on(DeleteTagsCommand).callsFake((input: { Resources?: string[]; Tags?: { Key?: string }[] }) => {
      const ids = input.Resources ?? [];
      this.calls.push({ command: 'DeleteTags', ids, input });
      for (const id of ids) for (const t of input.Tags ?? []) this.instances.get(id)?.tags.delete(t.Key ?? '');
      return {};
    });
  }

  add(i: number, state: string, tags: Record<string, string>): string {
    const id = instanceId(i);
    this.instances.set(id, { id, state, tags: new Map(Object.entries({ ...identityTags(i), ...tags })), launchTime: new Date('2026-11-01T00:00:00Z') });
    return id;
  }

  /** Transitional states finish: pending → running (or back to stopped), stopping → stopped, shutting-down → gone. */
  settle(): void {
    for (const i of [...this.instances.values()]) {
      if (i.state === 'pending') {
        const why = this.fallsBack.get(i.id);
        if (why) {
          i.state = 'stopped';
          i.stateReason = { Code: 'Client.InternalError', Message: why };
        } else i.state = 'running';
      } else if (i.state === 'stopping') i.state = 'stopped';
      else if (i.state === 'shutting-down') this.instances.delete(i.id);
    }
  }

  count(command: string): number {
    return this.calls.filter((c) => c.command === command).length;
  }

  private toInstance(i: FakeInstance): Instance {
    return {
      InstanceId: i.id,
      InstanceType: 't3.large',
      State: { Name: i.state as 'running' },
      Tags: [...i.tags].map(([Key, Value]) => ({ Key, Value })),
      ...(i.launchTime ? { LaunchTime: i.launchTime } : {}),
      ...(i.stateReason ? { StateReason: i.stateReason } : {}),
      PrivateIpAddress: '10.0.0.10',
    };
  }
}

export class FakeS3 {
  body: string | undefined;
  etag = 0;
  readonly puts: { ifMatch?: string; ifNoneMatch?: string; ok: boolean }[] = [];
  /** Hold GetObject answers until this many reads are waiting (to line up overlapping runs). */
  readBarrier = 0;
  private waiting: (() => void)[] = [];
  readonly mock = mockClient(S3Client);

  constructor() {
    this.mock.on(GetObjectCommand).callsFake(async () => {
      const snapshot = { body: this.body, etag: this.etag };
      if (this.readBarrier > 1) {
        await new Promise<void>((resolve) => {
          this.waiting.push(resolve);
          if (this.waiting.length >= this.readBarrier) this.waiting.splice(0).forEach((r) => r());
        });
      }
      if (snapshot.body === undefined) throw awsError('NoSuchKey', 'The specified key does not exist.', 404);
      const text = snapshot.body;
      const Body = { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'];
      return { Body, ETag: `"${snapshot.etag}"` };
    });
    this.mock.on(PutObjectCommand).callsFake((input: { Body?: string; IfMatch?: string; IfNoneMatch?: string }) => {
      const current = this.body === undefined ? undefined : `"${this.etag}"`;
      const ok = input.IfNoneMatch === '*' ? current === undefined : input.IfMatch !== undefined && input.IfMatch === current;
      this.puts.push({ ...(input.IfMatch ? { ifMatch: input.IfMatch } : {}), ...(input.IfNoneMatch ? { ifNoneMatch: input.IfNoneMatch } : {}), ok });
      if (!ok) throw awsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412);
      this.body = String(input.Body);
      this.etag++;
      return { ETag: `"${this.etag}"` };
    });
  }
}

export class FakeEventBridge {
  readonly entries: PutEventsRequestEntry[] = [];
  calls = 0;
  readonly mock = mockClient(EventBridgeClient);
  constructor() {
    this.mock.on(PutEventsCommand).callsFake((input: { Entries?: PutEventsRequestEntry[] }) => {
      this.calls++;
      const entries = input.Entries ?? [];
      if (entries.length > 10) throw awsError('ValidationException', 'at most 10 entries');
      this.entries.push(...entries);
      return { FailedEntryCount: 0, Entries: entries.map((_, k) => ({ EventId: `ev-${this.calls}-${k}` })) };
    });
  }
  details(): { type: string; instanceId: string; reason?: string; cause: string; vm?: unknown; state?: string; observedAt?: string; sequence?: number }[] {
    return this.entries.map((e) => JSON.parse(e.Detail ?? '{}'));
  }
}
