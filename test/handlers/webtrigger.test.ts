import { randomUUID } from 'node:crypto';
import type { LifecycleEvent } from '../../src/contract/events';
import type { Vm } from '../../src/contract/vm-api';
import { adfToText, type AdfDoc } from '../../src/domain/adf';
import { signEvent } from '../../src/domain/hmac';
import { DevVmProperty } from '../../src/domain/vm-property';
import { handleLifecycleEvent, type WebTriggerRequest } from '../../src/handlers/webtrigger';
import type { ForgeStandIn } from '../../local/forge-runtime';
import { FIELD, HMAC_SECRET, PEOPLE, STATUS, configure, goodIssue, site } from '../../local/site-fixtures';

process.env.DEV_VM_SILENT_LOGS = '1';
const NOW = new Date('2026-11-26T09:00:00Z');

const vm: Vm = {
  id: 'i-0abc12345def67890',
  issueKey: 'OPS-42',
  client: 'acme-corp',
  developer: 'jdoe',
  instanceType: 't3.large',
  os: 'ubuntu-24.04',
  state: 'running',
  amiId: 'ami-0fedcba9876543210',
  createdAt: '2026-11-26T08:50:00Z',
  schedule: { start: '08:30', stop: '18:00', timezone: 'Europe/Berlin', days: 'MON-FRI', enabled: true },
  connection: {
    region: 'eu-west-1',
    ssmCommand: 'aws ssm start-session --target i-0abc12345def67890 --region eu-west-1',
    homePath: '/home/jdoe',
    privateIp: '10.0.12.34',
    databases: [
      { engine: 'postgres', host: 'pg.internal', port: 5432, database: 'client_acme_corp', user: 'dev_jdoe', secretName: 'dev-vm/db/jdoe' },
      { engine: 'mysql', host: 'mysql.internal', port: 3306, database: 'client_acme_corp', user: 'dev_jdoe', secretName: 'dev-vm/db/jdoe' },
    ],
  },
};

function event(type: LifecycleEvent['type'], over: Partial<LifecycleEvent> = {}): LifecycleEvent {
  return { id: randomUUID(), type, time: '2026-11-26T08:59:00Z', instanceId: vm.id, issueKey: 'OPS-42', client: 'acme-corp', developer: 'jdoe', cause: 'api', ...(type === 'vm.running' ? { vm } : {}), ...over };
}

function signed(body: string, opts: { secret?: string; at?: Date; tamper?: boolean } = {}): WebTriggerRequest {
  const { timestamp, signature } = signEvent(opts.secret ?? HMAC_SECRET, body, opts.at ?? NOW);
  return {
    method: 'POST',
    headers: { 'Content-Type': ['application/json'], 'X-DevVm-Timestamp': [timestamp], 'X-DevVm-Signature': [signature] },
    body: opts.tamper ? body.replace('acme-corp', 'evil-corp') : body,
  };
}

let forge: ForgeStandIn;
afterEach(() => {
  expect(forge.violations()).toEqual([]);
  forge.uninstall();
});
const texts = () => forge.jira.commentsOn('OPS-42').map((c) => adfToText(c.body as AdfDoc));
const seedVm = (state: Vm['state'] = 'pending') => forge.jira.issue('OPS-42').properties.set('dev-vm', { vm: { ...vm, state }, idempotencyKey: 'jira:10042:cl10400', updatedAt: '2026-11-26T08:50:00Z' });

describe('vm.running, then vm.ready', () => {
  it('says the first boot is under way on the first running, and posts the connection details only on ready', async () => {
    forge = site([goodIssue({ statusId: STATUS.ready })]);
    configure(forge, undefined);
    seedVm();
    const res = await handleLifecycleEvent(signed(JSON.stringify(event('vm.running'))), NOW);

    expect(res.statusCode).toBe(200);
    expect(texts()).toEqual([expect.stringMatching(/^Dev VM is running since .* finishing its first boot .*Do not connect yet/)]);
    expect(texts().join('\n')).not.toContain('aws ssm start-session');

    const ready = await handleLifecycleEvent(signed(JSON.stringify(event('vm.ready', { cause: 'boot', time: '2026-11-26T09:04:00Z' }))), NOW);
    expect(ready.statusCode).toBe(200);
    const comment = texts()[1] as string;
    expect(comment).toMatch(/^Your dev VM is ready\./);
    expect(comment).toContain('aws ssm start-session --target i-0abc12345def67890 --region eu-west-1');
    expect(comment).toContain('Private IP 10.0.12.34');
    expect(comment).toContain('/home/jdoe');
    expect(comment).toContain('PostgreSQL: host pg.internal port 5432 database client_acme_corp user dev_jdoe, password in Secrets Manager secret dev-vm/db/jdoe');
    expect(comment).toContain('MySQL: host mysql.internal port 3306');
    expect(comment).toContain('Mon–Fri 08:30–18:00 (Europe/Berlin)');
    expect(comment).not.toMatch(/password[:=]/i);
    const prop = DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm'));
    expect(prop.vm?.state).toBe('running');
    expect(prop.provisionedWriteBackDone).toBe(true);
    expect(forge.jira.issue('OPS-42').statusId).toBe(STATUS.provisioned);
    expect(forge.jira.issue('OPS-42').fields).toMatchObject({ [FIELD.instanceIdOut]: vm.id, [FIELD.amiOut]: vm.amiId, [FIELD.ipOut]: '10.0.12.34' });
  });

  it('moves the issue only the first time the VM runs', async () => {
    forge = site([goodIssue({ statusId: STATUS.ready })]);
    configure(forge, undefined);
    seedVm();
    await handleLifecycleEvent(signed(JSON.stringify(event('vm.running'))), NOW);
    forge.jira.issue('OPS-42').statusId = STATUS.inUse;
    await handleLifecycleEvent(signed(JSON.stringify(event('vm.running', { cause: 'schedule', time: '2026-11-27T07:30:00Z' }))), NOW);
    expect(forge.jira.issue('OPS-42').statusId).toBe(STATUS.inUse);
    expect(forge.jira.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/transitions'))).toHaveLength(1);
    // Later starts (every working morning) get one short line, not the whole connection block again.
    expect(texts()[1]).toBe('Dev VM started at 2026-11-27 08:30 (Europe/Berlin) (start of working hours). Connection details are in the Dev VM panel.');
  });

  it('says so in a comment when the workflow has no transition to the provisioned status, and still succeeds', async () => {
    forge = site([goodIssue({ statusId: STATUS.ready })]);
    forge.jira.transitions = forge.jira.transitions.filter((t) => t.to !== STATUS.provisioned);
    configure(forge, undefined);
    seedVm();
    const res = await handleLifecycleEvent(signed(JSON.stringify(event('vm.running'))), NOW);
    expect(res.statusCode).toBe(200);
    expect(texts()[1]).toContain('could not be moved to Provisioned: its workflow has no transition to that status');
    expect(forge.jira.issue('OPS-42').statusId).toBe(STATUS.ready);
    expect(forge.jira.issue('OPS-42').fields[FIELD.instanceIdOut]).toBe(vm.id);
  });
});

describe('vm.running when Jira refuses the transition', () => {
  it('says so in a comment, still writes back the fields, and answers 200 (a retry would repeat the comments)', async () => {
    forge = site([goodIssue({ statusId: STATUS.ready })]);
    configure(forge, undefined);
    seedVm();
    const realHandle = forge.jira.handle.bind(forge.jira);
    forge.jira.handle = async (actor, path, init) => {
      if (init?.method === 'POST' && path.endsWith('/transitions')) {
        // A workflow validator or a required transition-screen field.
        return new Response(JSON.stringify({ errorMessages: [], errors: { resolution: 'Resolution is required.' } }), { status: 400 });
      }
      return realHandle(actor, path, init);
    };
    const res = await handleLifecycleEvent(signed(JSON.stringify(event('vm.running'))), NOW);
    expect(res.statusCode).toBe(200);
    expect(texts()).toHaveLength(2);
    expect(texts()[1]).toMatch(/could not be moved to Provisioned: Jira refused the transition \(HTTP 400\)/);
    expect(forge.jira.issue('OPS-42').statusId).toBe(STATUS.ready);
    expect(forge.jira.issue('OPS-42').fields[FIELD.instanceIdOut]).toBe(vm.id);
  });
});

describe('other lifecycle events', () => {
  it.each([
    ['vm.stopped', { cause: 'schedule' as const }, /Dev VM stopped at 2026-11-26 09:59 \(Europe\/Berlin\) \(end of working hours\)/, 'stopped'],
    ['vm.start-failed', { reason: 'InsufficientInstanceCapacity' }, /could not start at .*: InsufficientInstanceCapacity/, 'stopped'],
    ['vm.terminated', { cause: 'idle-reaper' as const }, /Dev VM terminated at/, 'terminated'],
  ] as const)('%s: a short comment and the stored state follows', async (type, over, text, state) => {
    forge = site();
    configure(forge, undefined);
    seedVm('running');
    const res = await handleLifecycleEvent(signed(JSON.stringify(event(type, over))), NOW);
    expect(res.statusCode).toBe(200);
    expect(texts()).toEqual([expect.stringMatching(text)]);
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.state).toBe(state);
  });

  it.each(['vm.terminated', 'vm.stopped', 'vm.running'] as const)(
    'a late %s of an earlier instance leaves the issue’s live VM as it is, and posts nothing',
    async (type) => {
      forge = site();
      configure(forge, undefined);
      seedVm('running');
      const old = 'i-00000000000000001';
      const oldVm: Vm = { ...vm, id: old, state: type === 'vm.running' ? 'running' : type === 'vm.stopped' ? 'stopped' : 'terminated' };
      const res = await handleLifecycleEvent(signed(JSON.stringify(event(type, { instanceId: old, vm: oldVm }))), NOW);
      expect(res.statusCode).toBe(200);
      const prop = DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm'));
      // Replacing it would show the wrong VM, and a terminated record would let a second VM be provisioned.
      expect(prop.vm).toMatchObject({ id: vm.id, state: 'running' });
      expect(texts()).toEqual([]);
    },
  );

  it('the idle warning names the termination date in the developer’s zone and how to keep the VM', async () => {
    forge = site();
    configure(forge, undefined);
    seedVm('stopped');
    await handleLifecycleEvent(signed(JSON.stringify(event('vm.idle-warning', { cause: 'idle-reaper', terminateAt: '2026-12-03T09:00:00Z' }))), NOW);
    expect(texts()).toEqual([
      '@Jo Doe this dev VM has been idle and will be terminated on 2026-12-03 10:00 (Europe/Berlin). To keep it, use Keep this VM in the Dev VM panel before then (using it, a Session Manager session, also resets the idle clock). Its home directory on EFS and its databases are kept either way.',
    ]);
    // A real mention of the assignee's account, so Jira notifies them.
    const body = JSON.stringify(forge.jira.commentsOn('OPS-42')[0]?.body);
    expect(body).toContain(JSON.stringify({ type: 'mention', attrs: { id: PEOPLE.assignee, text: '@Jo Doe' } }));
  });

  it('the idle warning of an unassigned issue names the developer instead', async () => {
    forge = site([goodIssue({ assignee: undefined })]);
    configure(forge, undefined);
    seedVm('stopped');
    await handleLifecycleEvent(signed(JSON.stringify(event('vm.idle-warning', { cause: 'idle-reaper', terminateAt: '2026-12-03T09:00:00Z' }))), NOW);
    expect(texts()).toEqual([expect.stringMatching(/^jdoe this dev VM has been idle and will be terminated on 2026-12-03 10:00 \(Europe\/Berlin\)\. To keep it, use Keep this VM/)]);
    expect(JSON.stringify(forge.jira.commentsOn('OPS-42')[0]?.body)).not.toContain('"mention"');
  });
});

describe('scheduled starts and stops when the admin chose "update the panel only"', () => {
  const silent = () => configure(forge, undefined, { comments: { scheduledStartStop: 'silent', deferredStop: 'silent' } });
  /** A VM that has run before: its connection details were posted on the first start. */
  const seedStartedBefore = (state: Vm['state']) =>
    forge.jira.issue('OPS-42').properties.set('dev-vm', { vm: { ...vm, state }, provisionedWriteBackDone: true, idempotencyKey: 'jira:10042:cl10400', updatedAt: '2026-11-26T08:50:00Z' });

  it.each([
    ['vm.running', 'stopped', 'running'],
    ['vm.stopped', 'running', 'stopped'],
  ] as const)('%s of the schedule posts no comment, and the panel’s stored state still follows', async (type, before, after) => {
    forge = site();
    silent();
    seedStartedBefore(before);
    const res = await handleLifecycleEvent(signed(JSON.stringify(event(type, { cause: 'schedule' }))), NOW);
    expect(res.statusCode).toBe(200);
    expect(texts()).toEqual([]);
    expect(forge.jira.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/comment'))).toHaveLength(0);
    const prop = DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm'));
    expect(prop.vm?.state).toBe(after);
    expect(prop.updatedAt).toBe(NOW.toISOString());
  });

  it('still posts the first-boot notice and then the connection details on the first start, even when the schedule started it', async () => {
    forge = site([goodIssue({ statusId: STATUS.ready })]);
    silent();
    seedVm();
    await handleLifecycleEvent(signed(JSON.stringify(event('vm.running', { cause: 'schedule' }))), NOW);
    expect(texts()[0]).toMatch(/finishing its first boot/);
    await handleLifecycleEvent(signed(JSON.stringify(event('vm.ready', { cause: 'boot' }))), NOW);
    expect(texts()[1]).toContain('aws ssm start-session --target i-0abc12345def67890 --region eu-west-1');
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).provisionedWriteBackDone).toBe(true);
  });

  it.each([
    ['vm.start-failed', { cause: 'schedule' as const, reason: 'InsufficientInstanceCapacity' }, /could not start at .*: InsufficientInstanceCapacity/],
    ['vm.idle-warning', { cause: 'idle-reaper' as const, terminateAt: '2026-12-03T09:00:00Z' }, /will be terminated on 2026-12-03/],
    ['vm.terminated', { cause: 'idle-reaper' as const }, /Dev VM terminated at/],
    ['vm.stopped', { cause: 'api' as const }, /^Dev VM stopped at 2026-11-26 09:59 \(Europe\/Berlin\)\. Your home/],
    ['vm.stopped', { cause: 'idle-stop' as const, reason: 'idle for 62 minutes' }, /^Dev VM stopped at 2026-11-26 09:59 \(Europe\/Berlin\): idle for 62 minutes\. The next start of working hours starts it again\./],
    ['vm.running', { cause: 'ec2' as const }, /^Dev VM started at 2026-11-26 09:59 \(Europe\/Berlin\)\. Connection details/],
  ] as const)('%s still comments (%j)', async (type, over, text) => {
    forge = site();
    silent();
    // A start observed by EC2 is news only for a VM the issue shows stopped.
    seedStartedBefore(type === 'vm.running' ? 'stopped' : 'running');
    await handleLifecycleEvent(signed(JSON.stringify(event(type, over))), NOW);
    expect(texts()).toEqual([expect.stringMatching(text)]);
  });

  it('settings stored before the option existed keep commenting on scheduled stops', async () => {
    forge = site();
    configure(forge, undefined);
    const stored = forge.kvs.values.get('settings:v1');
    const { comments: _dropped, ...older } = stored?.value as Record<string, unknown>;
    forge.kvs.values.set('settings:v1', { ...stored!, value: older });
    seedStartedBefore('running');
    await handleLifecycleEvent(signed(JSON.stringify(event('vm.stopped', { cause: 'schedule' }))), NOW);
    expect(texts()).toEqual([expect.stringMatching(/Dev VM stopped at .* \(end of working hours\)/)]);
  });
});

describe('delivery failures', () => {
  it('accepts an event for a deleted issue without failing the sender', async () => {
    forge = site();
    configure(forge, undefined);
    const res = await handleLifecycleEvent(signed(JSON.stringify(event('vm.stopped', { issueKey: 'OPS-999' }))), NOW);
    expect(res.statusCode).toBe(200);
  });

  it('answers 500 when Jira fails, and accepts the sender’s retry of the same event', async () => {
    forge = site();
    configure(forge, undefined);
    seedVm('running');
    const req = signed(JSON.stringify(event('vm.stopped')));
    const realHandle = forge.jira.handle.bind(forge.jira);
    let failNext = true;
    forge.jira.handle = async (actor, path, init) => {
      if (failNext && path.includes('/comment')) {
        failNext = false;
        return new Response(JSON.stringify({ errorMessages: ['Jira is down'] }), { status: 503 });
      }
      return realHandle(actor, path, init);
    };
    expect((await handleLifecycleEvent(req, NOW)).statusCode).toBe(500);
    expect((await handleLifecycleEvent(req, NOW)).statusCode).toBe(200);
    expect(texts()).toHaveLength(1);
  });
});

describe('authentication of the caller', () => {
  beforeEach(() => {
    forge = site();
    configure(forge, undefined);
    seedVm();
  });
  const nothingChanged = () => {
    expect(texts()).toEqual([]);
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.state).toBe('pending');
  };

  it('answers 401 without detail for a signature made with another secret', async () => {
    const res = await handleLifecycleEvent(signed(JSON.stringify(event('vm.running')), { secret: 'another-secret-of-at-least-32-characters' }), NOW);
    expect(res).toEqual({ statusCode: 401, headers: { 'Content-Type': ['application/json'] }, body: '{}' });
    nothingChanged();
  });

  it('answers 401 for a body changed after signing', async () => {
    const res = await handleLifecycleEvent(signed(JSON.stringify(event('vm.running')), { tamper: true }), NOW);
    expect(res.statusCode).toBe(401);
    nothingChanged();
  });

  it('answers 401 when the signature headers are missing', async () => {
    const res = await handleLifecycleEvent({ method: 'POST', headers: {}, body: JSON.stringify(event('vm.running')) }, NOW);
    expect(res.statusCode).toBe(401);
    nothingChanged();
  });

  it('answers 401 for a timestamp older than five minutes', async () => {
    const res = await handleLifecycleEvent(signed(JSON.stringify(event('vm.running')), { at: new Date(NOW.getTime() - 301_000) }), NOW);
    expect(res.statusCode).toBe(401);
    nothingChanged();
  });

  it('accepts a timestamp just inside the window', async () => {
    const res = await handleLifecycleEvent(signed(JSON.stringify(event('vm.running')), { at: new Date(NOW.getTime() - 299_000) }), NOW);
    expect(res.statusCode).toBe(200);
  });

  it('answers 200 "already processed" to a repeat of a processed event, and applies it only once (issue 12 item 10)', async () => {
    const req = signed(JSON.stringify(event('vm.stopped')));
    expect((await handleLifecycleEvent(req, NOW)).statusCode).toBe(200);
    const again = await handleLifecycleEvent(req, new Date(NOW.getTime() + 60_000));
    expect(again).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(again.body)).toEqual({ ok: true, alreadyProcessed: true });
    expect(texts()).toHaveLength(1);
  });

  it('answers 409 (try later) to a repeat while the first delivery is still being applied', async () => {
    const body = JSON.stringify(event('vm.stopped'));
    let repeat: number | undefined;
    const original = forge.jira.handle.bind(forge.jira);
    let once = true;
    forge.jira.handle = async (actor, path, init) => {
      if (once && path.includes('/comment')) {
        once = false;
        repeat = (await handleLifecycleEvent(signed(body), new Date(NOW.getTime() + 5_000))).statusCode;
      }
      return original(actor, path, init);
    };
    expect((await handleLifecycleEvent(signed(body), NOW)).statusCode).toBe(200);
    expect(repeat).toBe(409);
    expect(texts()).toHaveLength(1);
  });

  it('answers 401 to a replay of a processed event once its timestamp is stale', async () => {
    const req = signed(JSON.stringify(event('vm.stopped')));
    expect((await handleLifecycleEvent(req, NOW)).statusCode).toBe(200);
    expect((await handleLifecycleEvent(req, new Date(NOW.getTime() + 301_000))).statusCode).toBe(401);
    expect(texts()).toHaveLength(1);
  });

  it('answers 400 to a signed body that is not a lifecycle event', async () => {
    const res = await handleLifecycleEvent(signed(JSON.stringify({ type: 'vm.running', issueKey: 'OPS-42' })), NOW);
    expect(res.statusCode).toBe(400);
    nothingChanged();
  });

  it('answers 401 when no signing secret is configured yet', async () => {
    forge.kvs.secrets.delete('secret:webtrigger-hmac');
    const res = await handleLifecycleEvent(signed(JSON.stringify(event('vm.running'))), NOW);
    expect(res.statusCode).toBe(401);
  });
});

describe('events out of order (issue 12, item 8)', () => {
  const at = (iso: string, sequence = 0) => ({ observedAt: iso, sequence });

  it('a vm.running observed before an applied vm.stopped does not bring "running" back, and posts nothing', async () => {
    forge = site([goodIssue({ statusId: STATUS.inUse })]);
    configure(forge, undefined);
    forge.jira.issue('OPS-42').properties.set('dev-vm', { vm, idempotencyKey: 'k', provisionedWriteBackDone: true, updatedAt: '2026-11-26T08:50:00Z' });
    const stopped = event('vm.stopped', { cause: 'schedule', state: 'stopped', ...at('2026-11-26T08:58:00Z', 1) });
    const staleRunning = event('vm.running', { cause: 'schedule', state: 'running', vm: { ...vm, state: 'running' }, ...at('2026-11-26T08:58:00Z', 0) });
    expect((await handleLifecycleEvent(signed(JSON.stringify(stopped)), NOW)).statusCode).toBe(200);
    expect((await handleLifecycleEvent(signed(JSON.stringify(staleRunning)), NOW)).statusCode).toBe(200);
    const prop = DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm'));
    expect(prop.vm?.state).toBe('stopped');
    expect(texts()).toHaveLength(1);
    expect(texts()[0]).toMatch(/stopped/);
  });

  it('an older observation is ignored across runs too, a newer one applies', async () => {
    forge = site([goodIssue({ statusId: STATUS.inUse })]);
    configure(forge, undefined);
    forge.jira.issue('OPS-42').properties.set('dev-vm', { vm, idempotencyKey: 'k', provisionedWriteBackDone: true, updatedAt: '2026-11-26T08:50:00Z' });
    await handleLifecycleEvent(signed(JSON.stringify(event('vm.stopped', { cause: 'schedule', state: 'stopped', ...at('2026-11-26T08:55:00Z') }))), NOW);
    await handleLifecycleEvent(signed(JSON.stringify(event('vm.running', { cause: 'schedule', state: 'running', ...at('2026-11-26T08:50:00Z') }))), NOW);
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.state).toBe('stopped');
    await handleLifecycleEvent(signed(JSON.stringify(event('vm.running', { cause: 'schedule', state: 'running', ...at('2026-11-26T08:59:00Z') }))), NOW);
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.state).toBe('running');
  });

  it('an event published before observedAt existed still applies when nothing newer is on record, and counts as oldest otherwise', async () => {
    forge = site([goodIssue({ statusId: STATUS.inUse })]);
    configure(forge, undefined);
    forge.jira.issue('OPS-42').properties.set('dev-vm', { vm, idempotencyKey: 'k', provisionedWriteBackDone: true, updatedAt: '2026-11-26T08:50:00Z' });
    await handleLifecycleEvent(signed(JSON.stringify(event('vm.stopped', { cause: 'schedule' }))), NOW);
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.state).toBe('stopped');
    await handleLifecycleEvent(signed(JSON.stringify(event('vm.running', { cause: 'schedule', ...at('2026-11-26T08:57:00Z') }))), NOW);
    await handleLifecycleEvent(signed(JSON.stringify(event('vm.stopped', { cause: 'schedule' }))), NOW);
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.state).toBe('running');
  });
});

describe('first-boot signals (issue 13, item 5)', () => {
  const setUp = () => {
    forge = site([goodIssue({ statusId: STATUS.ready })]);
    configure(forge, undefined);
    seedVm();
  };
  const send = (e: LifecycleEvent) => handleLifecycleEvent(signed(JSON.stringify(e)), NOW);

  it('posts "ready" once: a repeated signal (another tag write, a redelivery) adds nothing', async () => {
    setUp();
    await send(event('vm.ready', { cause: 'boot' }));
    await send(event('vm.ready', { cause: 'boot' }));
    expect(texts()).toHaveLength(1);
    expect(texts()[0]).toMatch(/^Your dev VM is ready\./);
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).boot).toEqual({ instanceId: vm.id, status: 'ready', at: '2026-11-26T08:59:00Z' });
  });

  it('a failed boot posts the failing step, never the connection details, and a later failure report after "ready" is ignored', async () => {
    setUp();
    await send(event('vm.boot-failed', { cause: 'boot', bootStep: 'home' }));
    expect(texts()).toEqual([expect.stringMatching(/did not finish its first boot \(failed while mounting the home directory from EFS, step home\) at .*It is not ready for use/)]);
    expect(texts()[0]).not.toContain('aws ssm start-session');
    await send(event('vm.ready', { cause: 'boot' }));
    await send(event('vm.boot-failed', { cause: 'boot', bootStep: 'credentials' }));
    expect(texts()).toHaveLength(2);
    expect(texts()[1]).toMatch(/^Your dev VM is ready\./);
  });

  it('is not swallowed by a newer state observation recorded before it arrived (a reconciler run in between)', async () => {
    setUp();
    await send(event('vm.running', { state: 'running', observedAt: '2026-11-26T09:10:00Z', sequence: 0 }));
    await send(event('vm.ready', { cause: 'boot', observedAt: '2026-11-26T09:05:00Z', sequence: 0 }));
    expect(texts().at(-1)).toMatch(/^Your dev VM is ready\./);
  });

  it('when "ready" arrives before the first running, the running adds no "first boot under way" notice', async () => {
    setUp();
    await send(event('vm.ready', { cause: 'boot' }));
    await send(event('vm.running'));
    expect(texts()).toHaveLength(1);
    expect(forge.jira.issue('OPS-42').statusId).toBe(STATUS.provisioned);
  });

  it('EC2\'s own state-change event confirming the state on record posts nothing; one reporting a new state does', async () => {
    setUp();
    forge.jira.issue('OPS-42').properties.set('dev-vm', { vm: { ...vm, state: 'stopped' }, provisionedWriteBackDone: true, updatedAt: '2026-11-26T08:50:00Z' });
    await send(event('vm.stopped', { cause: 'ec2-event' }));
    expect(texts()).toEqual([]);
    await send(event('vm.running', { cause: 'ec2-event', vm: undefined }));
    expect(texts()).toEqual([expect.stringMatching(/^Dev VM started at /)]);
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.state).toBe('running');
  });

  it.each([
    ['stopping', 'vm.stopped'],
    ['shutting-down', 'vm.terminated'],
  ] as const)('EC2 settling the transition the API already announced (%s → %s) posts nothing', async (onRecord, type) => {
    setUp();
    forge.jira.issue('OPS-42').properties.set('dev-vm', { vm: { ...vm, state: onRecord }, provisionedWriteBackDone: true, updatedAt: '2026-11-26T08:50:00Z' });
    await send(event(type, { cause: 'ec2-event' }));
    expect(texts()).toEqual([]);
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.state).toBe(type === 'vm.stopped' ? 'stopped' : 'terminated');
  });

  it('a stop nobody announced (a shutdown inside the VM) is commented, unless the admin keeps starts and stops off the comments', async () => {
    setUp();
    forge.jira.issue('OPS-42').properties.set('dev-vm', { vm, provisionedWriteBackDone: true, updatedAt: '2026-11-26T08:50:00Z' });
    await send(event('vm.stopped', { cause: 'ec2-event' }));
    expect(texts()).toEqual([expect.stringMatching(/^Dev VM stopped at /)]);
    configure(forge, undefined, { comments: { scheduledStartStop: 'silent', deferredStop: 'silent' } });
    await send(event('vm.running', { cause: 'ec2-event', vm: undefined }));
    expect(texts()).toHaveLength(1);
  });

  it('the reconciler\'s first-running notice after the event-driven one (and after ready) posts nothing', async () => {
    setUp();
    await send(event('vm.running', { cause: 'ec2-event', vm: undefined, observedAt: '2026-11-26T08:55:00Z', sequence: 0 }));
    await send(event('vm.ready', { cause: 'boot' }));
    await send(event('vm.running', { cause: 'ec2', observedAt: '2026-11-26T09:00:00Z', sequence: 0 }));
    expect(texts().map((t) => t.slice(0, 24))).toEqual(['Dev VM is running since ', 'Your dev VM is ready. Op']);
  });
});

describe('a scheduled stop deferred because the VM is busy (issue 13)', () => {
  const deferred = () =>
    event('vm.stop-deferred', {
      cause: 'schedule',
      deferredUntil: '2026-11-26T17:30:00Z',
      busy: ['session', 'cpu'],
      vm: { ...vm, stopDeferred: { until: '2026-11-26T17:30:00.000Z', busy: ['session', 'cpu'] } },
    });

  it('updates the panel record and posts no comment by default', async () => {
    forge = site();
    configure(forge, undefined);
    seedVm('running');
    const res = await handleLifecycleEvent(signed(JSON.stringify(deferred())), NOW);
    expect(res.statusCode).toBe(200);
    expect(texts()).toEqual([]);
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.stopDeferred).toEqual({ until: '2026-11-26T17:30:00.000Z', busy: ['session', 'cpu'] });
  });

  it('posts one line, in the VM zone, when the admin turned the comment on', async () => {
    forge = site();
    configure(forge, undefined, { comments: { scheduledStartStop: 'comment', deferredStop: 'comment' } });
    seedVm('running');
    await handleLifecycleEvent(signed(JSON.stringify(deferred())), NOW);
    expect(texts()).toEqual([
      "Dev VM stop deferred until 2026-11-26 18:30 (Europe/Berlin) (busy: session active / CPU): the end of working hours does not stop a VM in use. It is stopped at the first check it is quiet, and at the admin's maximum deferral at the latest.",
    ]);
  });
});
