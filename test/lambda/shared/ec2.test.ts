import { EC2Client } from '@aws-sdk/client-ec2';
import { MANAGED_BY, Tag } from '../../../src/contract/tags';
import { errorCode } from '../../../infra-cdk/lambda/shared/clients';
import { Ec2Gateway, totalCalls } from '../../../infra-cdk/lambda/shared/ec2';
import { tagMap } from '../../../infra-cdk/lambda/shared/ec2-tags';
import { startAwsStandIn, type AwsStandIn } from '../../../local/aws';

/**
 * The one EC2 gateway of the VM API, the scheduler and the notifier, against the wire-protocol
 * stand-in: every lookup stays inside this stack's ManagedBy tag, both kinds of action reach EC2,
 * and a batch with one bad id still acts on the others.
 */

let aws: AwsStandIn;
let client: EC2Client;

beforeAll(async () => {
  aws = await startAwsStandIn({ transitionSeconds: 0 });
  client = new EC2Client({ ...aws.clientConfig(), maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await aws.close();
});

const ours = (issue: string) => ({ [Tag.ManagedBy]: MANAGED_BY, [Tag.JiraIssue]: issue });

describe('Ec2Gateway', () => {
  it('lists only instances of this stack, for the fleet and for one issue', async () => {
    const mine = aws.seedInstances({ count: 3, tags: ours('GW-1') });
    const other = aws.seedInstances({ count: 2, tags: { [Tag.ManagedBy]: 'someone-else', [Tag.JiraIssue]: 'GW-1' } });
    const gw = new Ec2Gateway(client, MANAGED_BY);

    const fleet = (await gw.listManaged()).map((i) => i.InstanceId);
    expect(fleet).toEqual(expect.arrayContaining(mine));
    expect(fleet.filter((id) => other.includes(id ?? ''))).toEqual([]);
    expect((await gw.listByIssue('GW-1')).map((i) => i.InstanceId).sort()).toEqual([...mine].sort());
    expect(await gw.getManaged(other[0] ?? '')).toBeUndefined();
    expect((await gw.getManaged(mine[0] ?? ''))?.InstanceId).toBe(mine[0]);
    expect(await gw.getManaged('i-0123456789abcdef0')).toBeUndefined();
  });

  it('stops one instance and reports the state change, and counts every call it made', async () => {
    const [id = ''] = aws.seedInstances({ count: 1, tags: ours('GW-2') });
    const gw = new Ec2Gateway(client, MANAGED_BY);
    const change = await gw.stop(id);
    expect(change).toMatchObject({ InstanceId: id, PreviousState: { Name: 'running' }, CurrentState: { Name: 'stopping' } });
    await gw.setTags(id, { [Tag.KeptAt]: '2026-11-30T00:00:00.000Z' });
    await gw.removeTags(id, [Tag.KeptAt]);
    expect(gw.counts).toEqual({ describePages: 0, run: 0, start: 0, stop: 1, terminate: 0, createTags: 1, deleteTags: 1 });
    expect(totalCalls(gw.counts)).toBe(3);
  });

  it('acts on many instances in batches and pins a failure to the one id that caused it', async () => {
    const ids = aws.seedInstances({ count: 5, tags: ours('GW-3'), state: 'stopped' });
    const [bad = ''] = ids.slice(2, 3);
    aws.injectFault({ kind: 'insufficient-capacity', instanceId: bad });
    const gw = new Ec2Gateway(client, MANAGED_BY, 2);
    const res = await gw.startMany(ids);
    aws.clearFaults();
    expect(res.ok.sort()).toEqual(ids.filter((id) => id !== bad).sort());
    expect(res.failed).toEqual([{ id: bad, code: 'InsufficientInstanceCapacity', message: expect.any(String) }]);
    // 3 batches of ≤ 2 ids; the failing pair [bad, next] is split once into two single-id calls.
    expect(gw.counts.start).toBe(5);

    const tagged = await gw.tagMany(Tag.KeptAt, 'x', ids);
    expect(tagged).toEqual({ ok: ids, failed: [] });
    const listed = (await gw.listByIssue('GW-3')).map((i) => tagMap(i.Tags).get(Tag.KeptAt));
    expect(listed).toEqual(['x', 'x', 'x', 'x', 'x']);
  });
});

describe('errorCode', () => {
  it.each([
    ['an EC2 error (code in Code)', Object.assign(new Error('m'), { name: 'EC2ServiceException', Code: 'IncorrectInstanceState', $metadata: {} }), 'IncorrectInstanceState'],
    ['a JSON-protocol error (code in name)', Object.assign(new Error('m'), { name: 'ThrottlingException', $metadata: {} }), 'ThrottlingException'],
    ['any other error', new TypeError('boom'), 'TypeError'],
    ['a thrown string', 'boom', 'Error'],
  ])('reads %s', (_what, e, code) => {
    expect(errorCode(e)).toBe(code);
  });
});
