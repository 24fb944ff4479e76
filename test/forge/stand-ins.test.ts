import { asApp, asUser, requestJira, route } from '@forge/api';
import { kvs } from '@forge/kvs';
import { Queue } from '@forge/events';
import type { ForgeStandIn } from '../../local/forge-runtime';
import { createForgeStandIn } from '../../local/forge-runtime';
import { goodIssue, site } from '../../local/site-fixtures';

/**
 * The stand-ins must fail loudly where the real platform would: these tests drive the REAL
 * @forge packages against them and check that contract breaks are caught.
 */

let forge: ForgeStandIn;
afterEach(() => forge.uninstall());

describe('Jira stand-in checks calls against the OpenAPI spec', () => {
  beforeEach(() => {
    forge = site([goodIssue()]);
  });

  it('serves a valid call and records it', async () => {
    const res = await asApp().requestJira(route`/rest/api/3/issue/${'OPS-42'}?fields=${'summary'}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ key: 'OPS-42', fields: { summary: 'Dev VM for jdoe' } });
    expect(forge.violations()).toEqual([]);
  });

  it('flags a path the spec does not have (/comments)', async () => {
    const res = await asApp().requestJira(route`/rest/api/3/issue/${'OPS-42'}/comments`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(400);
    expect(forge.violations()).toEqual([expect.stringContaining('no operation POST /rest/api/3/issue/OPS-42/comments')]);
  });

  it('flags a method the path does not allow', async () => {
    await asApp().requestJira(route`/rest/api/3/field`, { method: 'DELETE' });
    expect(forge.violations()).toEqual([expect.stringContaining('DELETE not allowed')]);
  });

  it('flags an undeclared query parameter', async () => {
    await asApp().requestJira(route`/rest/api/3/issue/${'OPS-42'}?fieldz=${'summary'}`);
    expect(forge.violations()).toEqual([expect.stringContaining('query parameter "fieldz"')]);
  });

  it('flags a body the schema rejects', async () => {
    await asApp().requestJira(route`/rest/api/3/issue/${'OPS-42'}/transitions`, { method: 'POST', body: JSON.stringify({ transition: 'Done' }) });
    expect(forge.violations()).toEqual([expect.stringContaining('body/transition must be object')]);
  });

  it('flags a comment that is not valid ADF', async () => {
    await asApp().requestJira(route`/rest/api/3/issue/${'OPS-42'}/comment`, { method: 'POST', body: JSON.stringify({ body: 'plain text is v2, not v3' }) });
    expect(forge.violations()).toEqual([expect.stringContaining('not valid ADF')]);
    expect(forge.jira.comments).toEqual([]);
  });

  it('flags requestJira without asUser()/asApp()', async () => {
    await requestJira(route`/rest/api/3/field`);
    expect(forge.violations()).toEqual([expect.stringContaining('without asUser()/asApp()')]);
  });

  it('answers 401 to a user call outside a user invocation, and acts as the invoking user inside one', async () => {
    expect((await asUser().requestJira(route`/rest/api/3/mypermissions?permissions=${'ADMINISTER'}`)).status).toBe(401);
    const res = await forge.asInvocation('5b10a2844c20165700ede21c', () => asUser().requestJira(route`/rest/api/3/mypermissions?permissions=${'ADMINISTER'}`));
    expect(await res.json()).toMatchObject({ permissions: { ADMINISTER: { havePermission: true } } });
  });
});

describe('KVS stand-in speaks the KVS contract to the real @forge/kvs', () => {
  let clock = 1_000_000;
  beforeEach(() => {
    clock = 1_000_000;
    forge = createForgeStandIn({ now: () => clock });
  });

  it('gets, sets, deletes; a missing key reads as undefined', async () => {
    expect(await kvs.get('a')).toBeUndefined();
    await kvs.set('a', { x: 1 });
    expect(await kvs.get('a')).toEqual({ x: 1 });
    await kvs.delete('a');
    expect(await kvs.get('a')).toBeUndefined();
  });

  it('keeps secrets apart from values', async () => {
    await kvs.setSecret('k', 's3cret');
    expect(await kvs.get('k')).toBeUndefined();
    expect(await kvs.getSecret('k')).toBe('s3cret');
  });

  it('deletes expired values lazily (up to 48 h after the TTL) and refuses FAIL_IF_EXISTS on a key not yet purged', async () => {
    forge.kvs.purgeDelayMs = () => 3_600_000;
    await kvs.set('once', true, { keyPolicy: 'FAIL_IF_EXISTS', ttl: { value: 1, unit: 'MINUTES' } });
    await expect(kvs.set('once', true, { keyPolicy: 'FAIL_IF_EXISTS', ttl: { value: 1, unit: 'MINUTES' } })).rejects.toMatchObject({ code: 'KEY_CONFLICT' });
    clock += 61_000;
    expect(await kvs.get('once')).toBe(true);
    clock += 3_600_000;
    expect(await kvs.get('once')).toBeUndefined();
    await kvs.set('once', true, { keyPolicy: 'FAIL_IF_EXISTS', ttl: { value: 1, unit: 'MINUTES' } });
  });

  it('queries by key prefix with a cursor', async () => {
    for (const k of ['p:1', 'p:2', 'p:3', 'q:1']) await kvs.set(k, k);
    const first = await kvs.query().where('key', { condition: 'BEGINS_WITH', values: ['p:'] }).limit(2).getMany();
    expect(first.results.map((r) => r.key)).toEqual(['p:1', 'p:2']);
    const rest = await kvs.query().where('key', { condition: 'BEGINS_WITH', values: ['p:'] }).limit(2).cursor(first.nextCursor as string).getMany();
    expect(rest.results.map((r) => r.key)).toEqual(['p:3']);
  });
});

describe('queue stand-in receives @forge/events pushes', () => {
  it('keeps the body and delay and delivers to a consumer', async () => {
    forge = createForgeStandIn();
    await new Queue({ key: 'q-test' }).push({ body: { n: 1 }, delayInSeconds: 30 });
    expect(forge.queue).toEqual([expect.objectContaining({ queueName: 'q-test', body: { n: 1 }, delayInSeconds: 30 })]);
    const seen: unknown[] = [];
    expect(await forge.drainQueue(async (e) => seen.push(e.body))).toBe(1);
    expect(seen).toEqual([{ n: 1 }]);
  });
});

describe('Jira stand-in: permissions of an issue edit', () => {
  it('refuses notifyUsers=false to the app without Administer Jira/Projects, and accepts the edit without it', async () => {
    forge = site([goodIssue()]);
    const body = JSON.stringify({ fields: { summary: 'renamed' } });
    const refused = await asApp().requestJira(route`/rest/api/3/issue/${'OPS-42'}?notifyUsers=${'false'}`, { method: 'PUT', body, headers: { 'Content-Type': 'application/json' } });
    expect(refused.status).toBe(403);
    expect(forge.jira.issue('OPS-42').fields.summary).toBe('Dev VM for jdoe');
    const ok = await asApp().requestJira(route`/rest/api/3/issue/${'OPS-42'}`, { method: 'PUT', body, headers: { 'Content-Type': 'application/json' } });
    expect(ok.status).toBe(204);
    expect(forge.jira.issue('OPS-42').fields.summary).toBe('renamed');
  });
});
