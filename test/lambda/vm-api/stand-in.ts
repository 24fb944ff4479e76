import { EC2Client } from '@aws-sdk/client-ec2';
import { EFSClient } from '@aws-sdk/client-efs';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { RETRY_CONFIG } from '../../../infra-cdk/lambda/shared/clients';
import { Ec2Gateway } from '../../../infra-cdk/lambda/shared/ec2';
import { EfsGateway } from '../../../infra-cdk/lambda/shared/efs';
import { loadEnv, VmApiEnv } from '../../../infra-cdk/lambda/shared/env';
import { IamGateway } from '../../../infra-cdk/lambda/shared/iam';
import type { DeveloperDatabases, VmApiDeps } from '../../../infra-cdk/lambda/vm-api/deps';
import { startAwsStandIn, type AwsStandIn } from '../../../local/aws';
import { storeObject } from '../../../local/aws/s3';
import type { Fault, FaultHandle } from '../../../local/aws/faults';
import type { AccessPoint, Ec2Instance, IamInstanceProfile, IamRole } from '../../../local/aws/state';
import { ENV, NOW } from './support';

/**
 * The VM API's AWS for its tests: the local platform's one AWS model (local/aws), reached over HTTP
 * by real SDK clients, so ClientToken idempotency, whole-call failures on unknown ids, EFS and IAM
 * leftovers of an earlier attempt are the model's, not a second copy here. What this adds is only
 * observation: each client records the commands it sent with their input (SDK middleware, once
 * per command, retries included), which the stand-in's own call log cannot show.
 */

// The SDK's one-time notice about Node 20 (process.emitWarning, written to stderr on a later tick)
// would land in whichever test first captures output; the Lambdas run on nodejs22.x, where it
// never appears. AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED is the SDK's own switch for it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export type Service = 'ec2' | 'efs' | 'iam' | 's3';

export interface SentCommand {
  service: Service;
  /** The command name without `Command`, e.g. RunInstances. */
  command: string;
  input: Record<string, unknown>;
}

type Client = EC2Client | EFSClient | IAMClient | S3Client;

/** Records every command `client` sends, before it is serialised. */
function record(client: Client, service: Service, into: SentCommand[]): void {
  // The clients' stacks take the same middleware shape; typed through EC2Client's overloads.
  const stack = client.middlewareStack as EC2Client['middlewareStack'];
  stack.add(
    (next, context) => async (args) => {
      into.push({ service, command: (context.commandName ?? '').replace(/Command$/, ''), input: args.input as unknown as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'recordVmApiCalls' },
  );
}

export class VmApiAws {
  /** Commands in the order the clients sent them (failed ones too). */
  readonly sent: SentCommand[] = [];

  private constructor(readonly aws: AwsStandIn) {}

  /**
   * The stand-in clock stands at NOW and transitions (pending, stopping, shutting-down) last a
   * day, so a VM answered as pending stays pending for the test, as it would for the seconds
   * between two requests on real EC2; settle() ends them.
   */
  static async start(): Promise<VmApiAws> {
    const aws = await startAwsStandIn({ transitionSeconds: 24 * 3600, clock: () => NOW.getTime() });
    return new VmApiAws(aws);
  }

  close(): Promise<void> {
    return this.aws.close();
  }

  /** A settled instance of this stack with these tags (id given or drawn), as if launched earlier by the API. */
  seedInstance(tags: Record<string, string>, o: { state?: 'running' | 'stopped' | 'terminated'; id?: string; clientToken?: string } = {}): string {
    const [id] = this.aws.seedInstances({
      count: 1,
      tags,
      instanceType: 't3.large',
      launchTime: NOW.getTime(),
      ...(o.state ? { state: o.state } : {}),
      ...(o.id ? { ids: [o.id] } : {}),
      ...(o.clientToken ? { clientToken: o.clientToken } : {}),
    });
    return id as string;
  }

  /** Completes every transition now (the VM reached running, stopped or terminated). */
  settle(): void {
    this.aws.settle();
  }

  instance(id: string): Ec2Instance | undefined {
    return this.aws.state.instances.get(id);
  }

  instances(): Ec2Instance[] {
    return [...this.aws.state.instances.values()];
  }

  accessPoints(): AccessPoint[] {
    return [...this.aws.state.accessPoints.values()];
  }

  roles(): Map<string, IamRole> {
    return this.aws.state.roles;
  }

  instanceProfiles(): Map<string, IamInstanceProfile> {
    return this.aws.state.instanceProfiles;
  }

  injectFault(fault: Fault): FaultHandle {
    return this.aws.injectFault(fault);
  }

  /** Puts an object in the model's S3 (as another component wrote it). */
  putObject(bucket: string, key: string, body: string): void {
    storeObject(this.aws.state, { bucket, key, body: Buffer.from(body), contentType: 'application/json', lastModified: NOW.getTime(), metadata: {} });
  }

  /** An S3 client of the model that records its commands like the VM API's own clients. */
  s3Client(): S3Client {
    return this.client(S3Client, 's3');
  }

  /** An IAM client of the model that records its commands like the VM API's own clients. */
  iamClient(): IAMClient {
    return this.client(IAMClient, 'iam');
  }

  /** Forgets the commands recorded so far (what a test counts after a first attempt). */
  forget(): void {
    this.sent.splice(0);
  }

  /** The inputs of every `command` sent, in order. */
  inputs<T = Record<string, unknown>>(command: string): T[] {
    return this.sent.filter((c) => c.command === command).map((c) => c.input as T);
  }

  count(command: string): number {
    return this.inputs(command).length;
  }

  private client<C extends Client>(make: new (config: typeof RETRY_CONFIG & ReturnType<AwsStandIn['clientConfig']>) => C, service: Service): C {
    // The Lambdas' retry settings, so a retryable error is retried here as it is in production.
    const client = new make({ ...RETRY_CONFIG, ...this.aws.clientConfig() });
    record(client, service, this.sent);
    return client;
  }

  /** The VM API's dependencies on these clients, with the clock at NOW and sleeps recorded, not slept. */
  deps(db: DeveloperDatabases, overrides: Partial<VmApiDeps> = {}): VmApiDeps & { sleeps: number[] } {
    const env = loadEnv(VmApiEnv, ENV);
    const sleeps: number[] = [];
    const ec2 = this.client(EC2Client, 'ec2');
    const efs = this.client(EFSClient, 'efs');
    const iam = this.client(IAMClient, 'iam');
    return {
      env,
      ec2: new Ec2Gateway(ec2, env.MANAGED_BY),
      efs: async () => new EfsGateway(efs, { fileSystemId: env.EFS_FILE_SYSTEM_ID, managedBy: env.MANAGED_BY, uidBase: env.UID_BASE }),
      iam: async () =>
        new IamGateway(iam, {
          rolePath: env.INSTANCE_ROLE_PATH,
          instancePolicyArn: env.INSTANCE_POLICY_ARN,
          boundaryArn: env.INSTANCE_BOUNDARY_ARN,
          managedBy: env.MANAGED_BY,
        }),
      databases: async () => db,
      logger: new Logger({ serviceName: 'vm-api-test' }),
      now: () => NOW,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      sleeps,
      ...overrides,
    };
  }
}
