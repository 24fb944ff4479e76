import { CreateAccessPointCommand, DeleteAccessPointCommand, DescribeAccessPointsCommand, EFSClient, TagResourceCommand, type AccessPointDescription } from '@aws-sdk/client-efs';
import { mockClient } from 'aws-sdk-client-mock';
import { EfsGateway, lowestFreeUid } from '../../../infra-cdk/lambda/shared/efs';

const efsMock = mockClient(EFSClient);
const FS = 'fs-0123456789abcdef0';

function ap(id: string, uid: number, developer?: string, managedBy = 'dev-vm-for-jira'): AccessPointDescription {
  return {
    AccessPointId: id,
    FileSystemId: FS,
    PosixUser: { Uid: uid, Gid: uid },
    LifeCycleState: 'available',
    Tags: [...(developer ? [{ Key: 'DeveloperName', Value: developer }] : []), ...(managedBy ? [{ Key: 'ManagedBy', Value: managedBy }] : [])],
  };
}

/** A tiny EFS: listing, creation by client token, deletion; `onCreate` lets a rival appear meanwhile. */
function fakeEfs(initial: AccessPointDescription[], onCreate?: (aps: AccessPointDescription[]) => void) {
  let aps = [...initial];
  let n = 0;
  efsMock.reset();
  efsMock.on(DescribeAccessPointsCommand).callsFake(() => ({ AccessPoints: aps }));
  efsMock.on(CreateAccessPointCommand).callsFake((input) => {
    const created = { ...ap(`fsap-new${++n}`, input.PosixUser.Uid), Tags: input.Tags, ClientToken: input.ClientToken, RootDirectory: input.RootDirectory };
    aps.push(created);
    onCreate?.(aps);
    return created;
  });
  efsMock.on(TagResourceCommand).callsFake((input) => {
    const target = aps.find((a) => a.AccessPointId === input.ResourceId);
    if (target) target.Tags = [...(target.Tags ?? []).filter((t) => !input.Tags.some((n: { Key: string }) => n.Key === t.Key)), ...input.Tags];
    return {};
  });
  efsMock.on(DeleteAccessPointCommand).callsFake((input) => {
    aps = aps.filter((a) => a.AccessPointId !== input.AccessPointId);
    return {};
  });
  return { list: () => aps };
}

const gateway = () => new EfsGateway(new EFSClient({ region: 'eu-west-1' }), { fileSystemId: FS, managedBy: 'dev-vm-for-jira', uidBase: 20000 });

describe('EFS home access points', () => {
  it('allocate the lowest free uid from the base, counting access points not made by this stack', async () => {
    fakeEfs([ap('fsap-a', 20000, 'alice'), ap('fsap-x', 20001, undefined, ''), ap('fsap-c', 20003, 'carol')]);
    const home = await gateway().ensureHome('dave');
    expect(home.uid).toBe(20002);
    expect(efsMock.commandCalls(CreateAccessPointCommand)[0]?.args[0].input).toMatchObject({
      ClientToken: 'devvm-home-dave-20002',
      PosixUser: { Uid: 20002, Gid: 20002 },
      RootDirectory: { Path: '/home/dave', CreationInfo: { OwnerUid: 20002, OwnerGid: 20002, Permissions: '0750' } },
    });
    expect(lowestFreeUid([], 20000)).toBe(20000);
  });

  it('reuse a developer\'s access point and uid, creating nothing', async () => {
    fakeEfs([ap('fsap-a', 20007, 'alice')]);
    expect(await gateway().ensureHome('alice')).toEqual({ accessPointId: 'fsap-a', uid: 20007, gid: 20007 });
    expect(efsMock.commandCalls(CreateAccessPointCommand)).toHaveLength(0);
  });

  it('resolve two developers allocated the same uid at the same moment: the later name moves to the next uid', async () => {
    // While "jdoe" creates uid 20000, a parallel request creates uid 20000 for "asmith".
    const efs = fakeEfs([], (aps) => {
      if (!aps.some((a) => a.AccessPointId === 'fsap-rival')) aps.push(ap('fsap-rival', 20000, 'asmith'));
    });
    const home = await gateway().ensureHome('jdoe');
    expect(home.uid).toBe(20001);
    expect(efs.list().map((a) => [a.Tags?.find((t) => t.Key === 'DeveloperName')?.Value, a.PosixUser?.Uid]).sort()).toEqual([
      ['asmith', 20000],
      ['jdoe', 20001],
    ]);
    expect(efsMock.commandCalls(DeleteAccessPointCommand)).toHaveLength(1);
  });

  it('keep the uid when the colliding rival\'s name sorts later (the rival moves instead)', async () => {
    fakeEfs([], (aps) => {
      if (!aps.some((a) => a.AccessPointId === 'fsap-rival')) aps.push(ap('fsap-rival', 20000, 'zed'));
    });
    expect((await gateway().ensureHome('jdoe')).uid).toBe(20000);
    expect(efsMock.commandCalls(DeleteAccessPointCommand)).toHaveLength(0);
  });

  it('never move an established home, whatever appears later with the same uid', async () => {
    fakeEfs([ap('fsap-old', 20000, 'zed'), ap('fsap-late', 20000, 'abe')]);
    expect(await gateway().ensureHome('zed')).toEqual({ accessPointId: 'fsap-old', uid: 20000, gid: 20000 });
    expect(efsMock.commandCalls(DeleteAccessPointCommand)).toHaveLength(0);
  });

  it('keep one access point when parallel requests made two for the same developer', async () => {
    fakeEfs([ap('fsap-b', 20004, 'jdoe'), ap('fsap-a', 20002, 'jdoe')]);
    expect((await gateway().ensureHome('jdoe')).accessPointId).toBe('fsap-a');
    expect(efsMock.commandCalls(DeleteAccessPointCommand).map((c) => c.args[0].input.AccessPointId)).toEqual(['fsap-b']);
  });

  it('refuse an unsafe developer name before any call', async () => {
    fakeEfs([]);
    await expect(gateway().ensureHome('../etc')).rejects.toThrow();
    expect(efsMock.calls()).toHaveLength(0);
  });

  describe('CostCenter tag (issue 13)', () => {
    const costTag = (a: AccessPointDescription | undefined) => a?.Tags?.find((t) => t.Key === 'CostCenter')?.Value;

    it('is set at creation, with no separate tagging call', async () => {
      const efs = fakeEfs([]);
      await gateway().ensureHome('jdoe', 'CC-1234');
      expect(efsMock.commandCalls(CreateAccessPointCommand)[0]!.args[0].input.Tags).toContainEqual({ Key: 'CostCenter', Value: 'CC-1234' });
      expect(efsMock.commandCalls(TagResourceCommand)).toHaveLength(0);
      expect(costTag(efs.list()[0])).toBe('CC-1234');
    });

    it('is added to an existing home with TagResource, and changed when a later request names another cost center', async () => {
      const efs = fakeEfs([ap('fsap-a', 20000, 'jdoe')]);
      await gateway().ensureHome('jdoe', 'CC-1');
      await gateway().ensureHome('jdoe', 'CC-2');
      expect(efsMock.commandCalls(TagResourceCommand).map((c) => c.args[0].input)).toEqual([
        { ResourceId: 'fsap-a', Tags: [{ Key: 'CostCenter', Value: 'CC-1' }] },
        { ResourceId: 'fsap-a', Tags: [{ Key: 'CostCenter', Value: 'CC-2' }] },
      ]);
      expect(costTag(efs.list()[0])).toBe('CC-2');
      // The other tags stay.
      expect(efs.list()[0]!.Tags).toContainEqual({ Key: 'DeveloperName', Value: 'jdoe' });
    });

    it('makes no call when the home already has that cost center, or when the request has none', async () => {
      fakeEfs([{ ...ap('fsap-a', 20000, 'jdoe'), Tags: [...ap('fsap-a', 20000, 'jdoe').Tags!, { Key: 'CostCenter', Value: 'CC-1' }] }]);
      await gateway().ensureHome('jdoe', 'CC-1');
      await gateway().ensureHome('jdoe');
      expect(efsMock.commandCalls(TagResourceCommand)).toHaveLength(0);
      expect(efsMock.commandCalls(CreateAccessPointCommand)).toHaveLength(0);
    });
  });
});
