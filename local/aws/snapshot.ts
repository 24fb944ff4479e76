import type { AwsState, InstanceStateName } from './state';

/**
 * The preview page's view of the simulated account: plain JSON, newest first where order matters.
 * Secret values and SecureString parameters are never included: the page is a UI, not a vault.
 */

export interface InstanceView {
  readonly instanceId: string;
  readonly name?: string;
  readonly state: InstanceStateName;
  readonly stateReason?: string;
  /** When the current transition completes (ISO), if one is in flight. */
  readonly settlesAt?: string;
  readonly instanceType: string;
  readonly privateIpAddress: string;
  readonly subnetId: string;
  readonly launchTime: string;
  readonly iamInstanceProfileArn?: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface AwsSnapshot {
  readonly label: 'simulated AWS';
  readonly now: string;
  readonly region: string;
  readonly accountId: string;
  readonly instances: readonly InstanceView[];
  readonly accessPoints: readonly { id: string; fileSystemId: string; path?: string; uid?: number; gid?: number; tags: Record<string, string> }[];
  readonly roles: readonly { name: string; arn: string; permissionsBoundaryArn?: string; attachedPolicyArns: readonly string[]; tags: Record<string, string> }[];
  readonly instanceProfiles: readonly { name: string; arn: string; roles: readonly string[] }[];
  readonly secrets: readonly { name: string; arn: string; versions: number; tags: Record<string, string> }[];
  readonly objects: readonly { bucket: string; key: string; etag: string; size: number; lastModified: string }[];
  readonly events: readonly { time: string; eventBusName: string; source: string; detailType: string; detail: Record<string, unknown> }[];
  readonly parameters: readonly { name: string; type: string; version: number; value?: string }[];
  /** Requests served per `service:Operation`, errors included. */
  readonly calls: Readonly<Record<string, number>>;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function toSnapshot(state: AwsState, now: number): AwsSnapshot {
  const calls: Record<string, number> = {};
  for (const c of state.calls) calls[`${c.service}:${c.operation}`] = (calls[`${c.service}:${c.operation}`] ?? 0) + 1;
  return {
    label: 'simulated AWS',
    now: iso(now),
    region: state.region,
    accountId: state.accountId,
    instances: [...state.instances.values()].map((i) => ({
      instanceId: i.instanceId,
      ...(i.tags.has('Name') ? { name: i.tags.get('Name') as string } : {}),
      state: i.state,
      ...(i.stateReason ? { stateReason: i.stateReason.message } : {}),
      ...(i.transition ? { settlesAt: iso(i.transition.at) } : {}),
      instanceType: i.instanceType,
      privateIpAddress: i.privateIpAddress,
      subnetId: i.subnetId,
      launchTime: iso(i.launchTime),
      ...(i.iamInstanceProfileArn ? { iamInstanceProfileArn: i.iamInstanceProfileArn } : {}),
      tags: Object.fromEntries(i.tags),
    })),
    accessPoints: [...state.accessPoints.values()].map((a) => ({
      id: a.accessPointId,
      fileSystemId: a.fileSystemId,
      ...(a.rootDirectory?.Path ? { path: a.rootDirectory.Path } : {}),
      ...(a.posixUser ? { uid: a.posixUser.Uid, gid: a.posixUser.Gid } : {}),
      tags: Object.fromEntries(a.tags),
    })),
    roles: [...state.roles.values()].map((r) => ({
      name: r.roleName,
      arn: r.arn,
      ...(r.permissionsBoundaryArn ? { permissionsBoundaryArn: r.permissionsBoundaryArn } : {}),
      attachedPolicyArns: [...r.attachedPolicyArns],
      tags: Object.fromEntries(r.tags),
    })),
    instanceProfiles: [...state.instanceProfiles.values()].map((p) => ({ name: p.instanceProfileName, arn: p.arn, roles: [...p.roleNames] })),
    secrets: [...state.secrets.values()].map((s) => ({ name: s.name, arn: s.arn, versions: s.versions.length, tags: Object.fromEntries(s.tags) })),
    objects: [...state.objects.values()].map((o) => ({ bucket: o.bucket, key: o.key, etag: o.etag, size: o.body.length, lastModified: iso(o.lastModified) })),
    events: [...state.events].reverse().map((e) => ({ time: iso(e.time), eventBusName: e.eventBusName, source: e.source, detailType: e.detailType, detail: e.detail })),
    parameters: [...state.parameters.values()].map((p) => ({ name: p.name, type: p.type, version: p.version, ...(p.type === 'SecureString' ? {} : { value: p.value }) })),
    calls,
  };
}
