import {
  CreateAccessPointCommand,
  DeleteAccessPointCommand,
  TagResourceCommand,
  UntagResourceCommand,
  paginateDescribeAccessPoints,
  type AccessPointDescription,
  type EFSClient,
} from '@aws-sdk/client-efs';
import { DeveloperName } from '../../../src/contract/names';
import { Tag } from '../../../src/contract/tags';
import { errorIs } from './clients';
import { developerHomePath } from './resource-names';

/**
 * A developer's home on EFS: one access point per developer, found again by its DeveloperName
 * tag. The access point enforces the developer's POSIX identity (every NFS operation through it
 * runs as that uid/gid) and creates `/home/<developer>` owned by it with mode 0750 on first use,
 * so one developer cannot read another's home even though they share the file system.
 *
 * uid/gid are allocated once, from UID_BASE upwards (the lowest free number), and never change:
 * the access point itself is the record of the allocation.
 */

export interface HomeAccessPoint {
  accessPointId: string;
  uid: number;
  gid: number;
}

export interface EfsGatewayOptions {
  fileSystemId: string;
  managedBy: string;
  uidBase: number;
}

const MAX_ALLOCATION_ATTEMPTS = 5;

export class EfsGateway {
  constructor(
    private readonly client: EFSClient,
    private readonly opts: EfsGatewayOptions,
  ) {}

  /** Every live access point of the file system (ours and anyone else's: their uids are taken too). */
  private async listAll(): Promise<AccessPointDescription[]> {
    const out: AccessPointDescription[] = [];
    for await (const page of paginateDescribeAccessPoints({ client: this.client, pageSize: 100 }, { FileSystemId: this.opts.fileSystemId })) {
      for (const ap of page.AccessPoints ?? []) {
        if (ap.LifeCycleState === 'deleting' || ap.LifeCycleState === 'deleted' || ap.LifeCycleState === 'error') continue;
        out.push(ap);
      }
    }
    return out;
  }

  /**
   * The developer's access point, created (with a newly allocated uid/gid) if there is none.
   * `costCenter` becomes its CostCenter tag: at creation, or by TagResource when the existing
   * access point has another (or none). One home serves all of a developer's VMs, so the tag
   * follows the latest request: EFS storage is billed to the cost center the developer works for now.
   */
  async ensureHome(developer: string, costCenter?: string): Promise<HomeAccessPoint> {
    const dev = DeveloperName.parse(developer);
    let justCreated = false;
    for (let attempt = 0; attempt < MAX_ALLOCATION_ATTEMPTS; attempt++) {
      const all = await this.listAll();
      const mine = all.filter((ap) => tagOf(ap, Tag.ManagedBy) === this.opts.managedBy && tagOf(ap, Tag.DeveloperName) === dev);
      if (mine.length > 0) {
        const settled = await this.settle(dev, all, mine, justCreated);
        if (settled) {
          const kept = mine.find((ap) => ap.AccessPointId === settled.accessPointId);
          if (costCenter !== undefined && kept && tagOf(kept, Tag.CostCenter) !== costCenter) await this.tagCostCenter(settled.accessPointId, costCenter);
          return settled;
        }
        continue;
      }

      const uid = lowestFreeUid(all, this.opts.uidBase);
      justCreated = true;
      try {
        await this.create(dev, uid, costCenter);
      } catch (e) {
        // Two requests for the same developer and uid share the client token: EFS returns the
        // existing access point or reports the token in use; either way the next lap finds it.
        if (!errorIs(e, 'AccessPointAlreadyExists')) throw e;
      }
    }
    throw new Error(`could not allocate an EFS access point for ${dev} after ${MAX_ALLOCATION_ATTEMPTS} attempts`);
  }

  /**
   * Resolve races. Two developers provisioned at the same moment may have been given the same
   * uid: the developer whose name sorts later gives theirs up and allocates again (an access
   * point not made by this stack always keeps its uid). Only an access point created by this
   * very call can be given up: an established home never changes uid, whatever appears later.
   * Two parallel requests for one developer may have created two access points: the one with
   * the lowest uid (then id) is kept. Both sides see the same listing, so both reach the same decision. Returns undefined
   * when this developer gave up their access point and must allocate again.
   */
  private async settle(dev: string, all: AccessPointDescription[], mine: AccessPointDescription[], justCreated: boolean): Promise<HomeAccessPoint | undefined> {
    const sorted = [...mine].sort((a, b) => (a.PosixUser?.Uid ?? 0) - (b.PosixUser?.Uid ?? 0) || (a.AccessPointId ?? '').localeCompare(b.AccessPointId ?? ''));
    const keep = sorted[0] as AccessPointDescription;
    for (const extra of sorted.slice(1)) await this.delete(extra);
    const uid = keep.PosixUser?.Uid;
    const gid = keep.PosixUser?.Gid;
    if (!keep.AccessPointId || uid === undefined || gid === undefined) throw new Error(`access point of ${dev} has no POSIX user`);
    const rival = all.find((ap) => ap.PosixUser?.Uid === uid && !sorted.includes(ap));
    if (justCreated && rival && (tagOf(rival, Tag.ManagedBy) !== this.opts.managedBy || (tagOf(rival, Tag.DeveloperName) ?? '') < dev)) {
      await this.delete(keep);
      return undefined;
    }
    return { accessPointId: keep.AccessPointId, uid, gid };
  }

  /**
   * The cost center changed: the developer's home takes the new CostCenter (or loses it,
   * `null`), as a new request would set it. Answers whether the developer has a home here.
   */
  async retagHome(developer: string, costCenter: string | null): Promise<boolean> {
    const dev = DeveloperName.parse(developer);
    const mine = (await this.listAll()).filter((ap) => tagOf(ap, Tag.ManagedBy) === this.opts.managedBy && tagOf(ap, Tag.DeveloperName) === dev);
    for (const ap of mine) {
      if (!ap.AccessPointId || (tagOf(ap, Tag.CostCenter) ?? null) === costCenter) continue;
      if (costCenter === null) {
        // https://docs.aws.amazon.com/efs/latest/ug/API_UntagResource.html
        await this.client.send(new UntagResourceCommand({ ResourceId: ap.AccessPointId, TagKeys: [Tag.CostCenter] }));
      } else await this.tagCostCenter(ap.AccessPointId, costCenter);
    }
    return mine.length > 0;
  }

  /** EFS TagResource: adds or overwrites the key, leaves the other tags (https://docs.aws.amazon.com/efs/latest/ug/API_TagResource.html). */
  private async tagCostCenter(accessPointId: string, costCenter: string): Promise<void> {
    await this.client.send(new TagResourceCommand({ ResourceId: accessPointId, Tags: [{ Key: Tag.CostCenter, Value: costCenter }] }));
  }

  private async create(dev: string, uid: number, costCenter?: string): Promise<void> {
    await this.client.send(
      new CreateAccessPointCommand({
        FileSystemId: this.opts.fileSystemId,
        // Same developer + same uid → same token → EFS returns the same access point.
        ClientToken: `devvm-home-${dev}-${uid}`,
        PosixUser: { Uid: uid, Gid: uid },
        RootDirectory: { Path: developerHomePath(dev), CreationInfo: { OwnerUid: uid, OwnerGid: uid, Permissions: '0750' } },
        Tags: [
          { Key: Tag.Name, Value: `home-${dev}` },
          { Key: Tag.DeveloperName, Value: dev },
          { Key: Tag.ManagedBy, Value: this.opts.managedBy },
          ...(costCenter !== undefined ? [{ Key: Tag.CostCenter, Value: costCenter }] : []),
        ],
      }),
    );
  }

  private async delete(ap: AccessPointDescription): Promise<void> {
    if (!ap.AccessPointId) return;
    try {
      await this.client.send(new DeleteAccessPointCommand({ AccessPointId: ap.AccessPointId }));
    } catch (e) {
      if (!errorIs(e, 'AccessPointNotFound')) throw e;
    }
  }
}

function tagOf(ap: AccessPointDescription, key: string): string | undefined {
  return ap.Tags?.find((t) => t.Key === key)?.Value;
}

/** Lowest uid ≥ base not used by any access point of this stack. */
export function lowestFreeUid(aps: readonly AccessPointDescription[], base: number): number {
  const used = new Set(aps.map((ap) => ap.PosixUser?.Uid).filter((u): u is number => u !== undefined));
  let uid = base;
  while (used.has(uid)) uid++;
  return uid;
}
