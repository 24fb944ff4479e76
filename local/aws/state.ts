import { randomBytes, randomUUID } from 'node:crypto';
import type { AwsService } from './protocol';

/** Everything the simulated account holds. Maps are keyed by the id AWS would use to look the thing up. */

export type InstanceStateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

/** EC2's numeric state codes (low byte), returned beside the name. */
export const INSTANCE_STATE_CODE: Readonly<Record<InstanceStateName, number>> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface StateReason {
  readonly code: string;
  readonly message: string;
}

export interface Ec2Instance {
  readonly instanceId: string;
  readonly reservationId: string;
  readonly imageId: string;
  readonly instanceType: string;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly availabilityZone: string;
  readonly privateIpAddress: string;
  /** When it was last launched: a start from stopped sets it again (EC2 Instance.LaunchTime). */
  launchTime: number;
  readonly launchIndex: number;
  readonly clientToken?: string;
  readonly launchTemplate?: { readonly id: string; readonly version: string };
  readonly iamInstanceProfileArn?: string;
  /** Base64, as sent. */
  readonly userData?: string;
  readonly httpTokens: 'optional' | 'required';
  state: InstanceStateName;
  stateReason?: StateReason;
  /** EC2's human-readable `reason`, e.g. "User initiated (2026-11-26 18:00:00 GMT)". */
  stateTransitionReason: string;
  /** The state this instance settles into, and when (stand-in clock, ms). */
  transition?: { readonly to: InstanceStateName; readonly at: number; readonly reason?: StateReason };
  /** Set when it reaches `terminated`; EC2 keeps listing terminated instances for about an hour. */
  terminatedAt?: number;
  readonly tags: Map<string, string>;
  /**
   * The EBS root volume RunInstances creates (DeleteOnTermination), with the tags of the request's
   * `volume` TagSpecification; listed under blockDeviceMapping and taggable by its id like EC2's.
   */
  readonly rootVolume?: { readonly volumeId: string; readonly tags: Map<string, string> };
}

export interface Reservation {
  readonly reservationId: string;
  readonly instanceIds: readonly string[];
  readonly clientToken?: string;
  /** Request parameters of the RunInstances call, to detect an idempotent retry with other parameters. */
  readonly fingerprint: string;
}

export interface AccessPoint {
  readonly accessPointId: string;
  readonly accessPointArn: string;
  readonly fileSystemId: string;
  readonly clientToken: string;
  readonly name?: string;
  readonly posixUser?: { readonly Uid: number; readonly Gid: number; readonly SecondaryGids?: readonly number[] };
  readonly rootDirectory?: {
    readonly Path?: string;
    readonly CreationInfo?: { readonly OwnerUid: number; readonly OwnerGid: number; readonly Permissions: string };
  };
  readonly tags: Map<string, string>;
  readonly ownerId: string;
}

export interface IamRole {
  readonly roleName: string;
  readonly roleId: string;
  readonly arn: string;
  readonly path: string;
  readonly assumeRolePolicyDocument: string;
  readonly description?: string;
  readonly maxSessionDuration: number;
  readonly permissionsBoundaryArn?: string;
  readonly createDate: number;
  readonly tags: Map<string, string>;
  /** Attached managed policy ARNs in attach order. */
  readonly attachedPolicyArns: string[];
}

export interface IamInstanceProfile {
  readonly instanceProfileName: string;
  readonly instanceProfileId: string;
  readonly arn: string;
  readonly path: string;
  readonly createDate: number;
  readonly tags: Map<string, string>;
  /** At most one role, as in IAM. */
  readonly roleNames: string[];
}

export interface SecretVersion {
  readonly versionId: string;
  readonly secretString?: string;
  readonly secretBinary?: string;
  readonly createdDate: number;
  stages: string[];
}

export interface Secret {
  readonly arn: string;
  readonly name: string;
  readonly description?: string;
  readonly kmsKeyId?: string;
  readonly createdDate: number;
  lastChangedDate: number;
  /** Set by DeleteSecret with a recovery window: when the secret disappears for good. */
  deletionDate?: number;
  /** When DeleteSecret was called. */
  deletedDate?: number;
  readonly tags: Map<string, string>;
  readonly versions: SecretVersion[];
}

export interface S3Object {
  readonly bucket: string;
  readonly key: string;
  readonly body: Buffer;
  /** Quoted, as S3 sends it: `"<md5 hex>"`. */
  readonly etag: string;
  readonly contentType: string;
  readonly lastModified: number;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface RecordedEvent {
  readonly eventId: string;
  readonly time: number;
  readonly eventBusName: string;
  readonly source: string;
  readonly detailType: string;
  /** Parsed `Detail` (PutEvents requires a JSON object). */
  readonly detail: Record<string, unknown>;
  readonly resources: readonly string[];
}

/** A Session Manager session (ssm:DescribeSessions); seeded by tests and the preview. */
export interface SsmSession {
  sessionId: string;
  target: string;
  owner: string;
  status: 'Connected' | 'Connecting' | 'Disconnected' | 'Terminated' | 'Terminating' | 'Failed';
  startDate: number;
  endDate?: number;
}

export interface SsmParameter {
  readonly name: string;
  readonly type: 'String' | 'StringList' | 'SecureString';
  readonly value: string;
  readonly version: number;
  readonly lastModifiedDate: number;
  readonly description?: string;
}

/** Account resources the stack (or the preview's bootstrap) creates and the Lambdas name by id. */
export interface Vpc {
  readonly vpcId: string;
  readonly cidrBlock: string;
  readonly tags: Map<string, string>;
}
export interface Subnet {
  readonly subnetId: string;
  readonly vpcId: string;
  readonly cidrBlock: string;
  readonly availabilityZone: string;
  readonly tags: Map<string, string>;
}
export interface LaunchTemplate {
  readonly launchTemplateId: string;
  readonly launchTemplateName: string;
  readonly imageId?: string;
  readonly createTime: number;
  readonly tags: Map<string, string>;
}
export interface ManagedPolicy {
  readonly arn: string;
  readonly policyName: string;
  readonly policyId: string;
  readonly path: string;
  readonly document: string;
  readonly createDate: number;
}
export interface FileSystem {
  readonly fileSystemId: string;
  readonly creationToken: string;
  readonly createdAt: number;
  readonly tags: Map<string, string>;
}

export interface CallRecord {
  readonly at: number;
  readonly service: AwsService;
  readonly operation: string;
  readonly status: number;
  readonly errorCode?: string;
}

export interface AwsState {
  readonly region: string;
  readonly accountId: string;
  readonly instances: Map<string, Ec2Instance>;
  readonly reservations: Map<string, Reservation>;
  readonly fileSystems: Set<string>;
  /** File systems created through CreateFileSystem (their ids are in `fileSystems` too). */
  readonly fileSystemDetails: Map<string, FileSystem>;
  readonly vpcs: Map<string, Vpc>;
  readonly subnets: Map<string, Subnet>;
  readonly launchTemplates: Map<string, LaunchTemplate>;
  /** Customer managed IAM policies, keyed by ARN. */
  readonly policies: Map<string, ManagedPolicy>;
  /** Custom event buses (the `default` bus always exists). */
  readonly eventBuses: Set<string>;
  readonly accessPoints: Map<string, AccessPoint>;
  readonly roles: Map<string, IamRole>;
  readonly instanceProfiles: Map<string, IamInstanceProfile>;
  /** Keyed by ARN. */
  readonly secrets: Map<string, Secret>;
  readonly buckets: Set<string>;
  /** Keyed by `bucket/key`. */
  readonly objects: Map<string, S3Object>;
  readonly events: RecordedEvent[];
  readonly parameters: Map<string, SsmParameter>;
  readonly sessions: SsmSession[];
  /** CloudWatch AWS/EC2 CPUUtilization samples per instance id (`at` epoch ms, percent), for GetMetricData. */
  readonly cpuSamples: Map<string, { at: number; value: number }[]>;
  /** Every request served, in order (benchmarks count EC2 calls per reconciler run from this). */
  readonly calls: CallRecord[];
  /** Allocation counters (private IPs never repeat within one stand-in). */
  readonly counters: { privateIp: number };
}

export function createState(region: string, accountId: string): AwsState {
  return {
    region,
    accountId,
    instances: new Map(),
    reservations: new Map(),
    fileSystems: new Set(),
    fileSystemDetails: new Map(),
    vpcs: new Map(),
    subnets: new Map(),
    launchTemplates: new Map(),
    policies: new Map(),
    eventBuses: new Set(),
    accessPoints: new Map(),
    roles: new Map(),
    instanceProfiles: new Map(),
    secrets: new Map(),
    buckets: new Set(),
    objects: new Map(),
    events: [],
    parameters: new Map(),
    sessions: [],
    cpuSamples: new Map(),
    calls: [],
    counters: { privateIp: 0 },
  };
}

/** `i-` + 17 hex digits, the current EC2 id format (also r-, fsap-). */
export function hexId(prefix: string, digits = 17): string {
  return `${prefix}-${randomBytes(Math.ceil(digits / 2)).toString('hex').slice(0, digits)}`;
}

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** IAM unique ids: a type prefix (AROA role, AIPA instance profile) + 17 upper-case characters. */
export function iamUniqueId(prefix: string): string {
  const bytes = randomBytes(17);
  return prefix + [...bytes].map((b) => UPPER_ALNUM[b % UPPER_ALNUM.length]).join('');
}

export function requestId(): string {
  return randomUUID();
}

export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
