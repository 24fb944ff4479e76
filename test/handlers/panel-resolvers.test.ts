import { R, Resolvers, resultOf, type ResolverName, type ResolverResult } from '../../src/contract/resolvers';
import type { Vm } from '../../src/contract/vm-api';
import { DEFAULT_POLICY } from '../../src/contract/settings';
import { adfToText, formatInZone, type AdfDoc, type AdfInline } from '../../src/domain/adf';
import { DevVmProperty } from '../../src/domain/vm-property';
import { buildPanelResolver, panelResolver } from '../../src/handlers/panel-resolvers';
import { handleQueueEvent } from '../../src/handlers/queue-consumer';
import type { ForgeStandIn, ResolverHandler } from '../../local/forge-runtime';
import { startVmApiStandIn, type VmApiStandIn } from '../../local/vm-api-server';
import { FIELD, PEOPLE, STATUS, configure, goodIssue, site } from '../../local/site-fixtures';

process.env.DEV_VM_SILENT_LOGS = '1';

let api: VmApiStandIn;
let forge: ForgeStandIn;
beforeAll(async () => {
  api = await startVmApiStandIn();
});
afterAll(() => api.close());
beforeEach(() => {
  api.reset();
  // In a provisioning status: the panel's Provision button acts only there (or for an admin).
  forge = site([goodIssue({ statusId: STATUS.ready })]);
  configure(forge, api);
});
afterEach(() => {
  expect(forge.violations()).toEqual([]);
  forge.uninstall();
});

/** Invoke through the real @forge/resolver definitions, and check the answer against the contract. */
async function call<N extends ResolverName>(name: N, payload: unknown, accountId: string | undefined): Promise<ResolverResult<N>> {
  const raw = await forge.invokeResolver(panelResolver as unknown as ResolverHandler, name, payload, { accountId, issueKey: 'OPS-42' });
  const parsed = resultOf(Resolvers[name].result).safeParse(raw);
  if (!parsed.success) throw new Error(`resolver ${name} answered outside the contract: ${JSON.stringify(raw).slice(0, 400)}`);
  return parsed.data as ResolverResult<N>;
}

const comments = () => forge.jira.commentsOn('OPS-42');

describe('panel.get', () => {
  it('shows a draft of the request and no VM before provisioning, and the assignee may act', async () => {
    const res = await call(R.panelGet, {}, PEOPLE.assignee);
    expect(res).toMatchObject({ ok: true, data: { issueKey: 'OPS-42', configured: true, canAct: true, vm: null, draft: { problems: [], values: { client: 'acme-corp', developer: 'jdoe', instanceType: 't3.large' } } } });
  });

  it('lists the field problems in the draft', async () => {
    forge.jira.issue('OPS-42').fields[FIELD.timezone] = 'Atlantis/Capital';
    const res = await call(R.panelGet, {}, PEOPLE.reporter);
    expect(res.ok && res.data.draft?.problems).toEqual([expect.objectContaining({ field: FIELD.timezone, label: 'Time zone' })]);
  });

  it('gives someone who is neither assignee, reporter nor admin a read-only view with the reason', async () => {
    const res = await call(R.panelGet, {}, PEOPLE.other);
    expect(res).toMatchObject({ ok: true, data: { canAct: false, cannotActReason: expect.stringContaining('assignee') } });
  });

  it('offers Provision disabled outside every provisioning status, naming the statuses, but not to a Jira administrator', async () => {
    const reseed = (over: Parameters<typeof goodIssue>[0]) => {
      forge.uninstall();
      forge = site([goodIssue(over)]);
      configure(forge, api);
    };
    reseed({ statusId: STATUS.open });
    const assignee = await call(R.panelGet, {}, PEOPLE.assignee);
    expect(assignee).toMatchObject({ ok: true, data: { canAct: true, vm: null, provisionBlocked: 'Move the issue to “Ready” to provision a VM.' } });
    // An administrator may provision from any status (checkProvisionStatus): nothing blocked.
    const admin = await call(R.panelGet, {}, PEOPLE.admin);
    expect(admin.ok && admin.data.canAct).toBe(true);
    expect(admin.ok && 'provisionBlocked' in admin.data).toBe(false);
    // The assignee who is also a Jira administrator keeps that override.
    reseed({ statusId: STATUS.open, assignee: PEOPLE.admin });
    const adminAssignee = await call(R.panelGet, {}, PEOPLE.admin);
    expect(adminAssignee.ok && 'provisionBlocked' in adminAssignee.data).toBe(false);
  });

  it('offers Provision enabled in a provisioning status without asking Jira who the caller is', async () => {
    const res = await call(R.panelGet, {}, PEOPLE.assignee);
    expect(res.ok && 'provisionBlocked' in res.data).toBe(false);
    expect(forge.jira.calls.filter((c) => c.path.includes('mypermissions') || c.path === '/rest/api/3/status')).toEqual([]);
  });

  it('lets a Jira administrator act on any issue', async () => {
    const res = await call(R.panelGet, {}, PEOPLE.admin);
    expect(res).toMatchObject({ ok: true, data: { canAct: true } });
  });

  it('refuses someone who cannot see the issue', async () => {
    forge.jira.browsers = new Set([PEOPLE.assignee]);
    const res = await call(R.panelGet, {}, PEOPLE.other);
    expect(res).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});

describe('actions from the panel', () => {
  async function provision(): Promise<Vm> {
    const res = await call(R.panelProvision, {}, PEOPLE.assignee);
    if (!res.ok) throw new Error(res.error.message);
    return res.data.vm as Vm;
  }

  it('provisions, returns the VM with next start/stop, and records who did it with a mention', async () => {
    const before = Date.now();
    const res = await call(R.panelProvision, {}, PEOPLE.assignee);
    expect(res).toMatchObject({ ok: true, data: { vm: { issueKey: 'OPS-42', state: 'pending' }, draft: null } });
    if (!res.ok) return;
    // The issue's working hours: 08:30–18:00 Europe/Berlin, Monday to Friday; the next of each
    // lies within a week of now (nothing holds the VM running, so the stop is the scheduled one).
    const berlin = (iso: string | undefined) => {
      const at = new Date(iso ?? NaN);
      const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
      const part = (t: string) => parts.find((p) => p.type === t)?.value;
      const workday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'].includes(part('weekday') ?? '');
      return { workday, time: `${part('hour')}:${part('minute')}`, inAWeek: at.getTime() > before && at.getTime() <= before + 7 * 24 * 3600_000 };
    };
    expect(berlin(res.data.nextStart)).toEqual({ workday: true, time: '08:30', inAWeek: true });
    expect(berlin(res.data.nextStop)).toEqual({ workday: true, time: '18:00', inAWeek: true });
    expect(api.calls.filter((c) => c.op === 'provision')).toHaveLength(1);
    const audit = comments().find((c) => adfToText(c.body as AdfDoc).includes('requested a dev VM from the Dev VM panel'));
    expect(audit).toBeDefined();
    const first = (audit?.body as AdfDoc).content[0];
    const mention = first?.type === 'paragraph' ? (first.content[0] as AdfInline) : undefined;
    // The mention carries the person's name (what renderers that cannot resolve it show).
    expect(mention).toEqual({ type: 'mention', attrs: { id: PEOPLE.assignee, text: '@Jo Doe' } });
    // In the VM's working-hours zone, as the other comments, not raw UTC.
    expect(adfToText(audit?.body as AdfDoc)).toMatch(/at \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(Europe\/Berlin\)/);
  });

  it('says that a provision request is queued for retry when the API is down, instead of answering as if nothing happened', async () => {
    api.mode = 'down';
    const res = await call(R.panelProvision, {}, PEOPLE.assignee);
    expect(res).toMatchObject({ ok: false, error: { code: 'UPSTREAM_FAILED', message: expect.stringMatching(/kept and retried automatically in about 1 minute/) } });
    expect(forge.queue).toHaveLength(1);
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).pending).toBeDefined();
  });

  it('refuses a second provision while the VM lives', async () => {
    await provision();
    expect(await call(R.panelProvision, {}, PEOPLE.assignee)).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(api.vms.size).toBe(1);
  });

  it('refuses to provision from fields with problems, naming the field', async () => {
    forge.jira.issue('OPS-42').fields[FIELD.developer] = 'Jane Doe';
    const res = await call(R.panelProvision, {}, PEOPLE.assignee);
    expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: FIELD.developer } });
    expect(api.calls).toHaveLength(0);
  });

  it.each([
    [R.panelStop, 'stopVm', 'stopping', 'stopped the dev VM'],
    [R.panelStart, 'startVm', 'pending', 'started the dev VM'],
    [R.panelTerminate, 'terminateVm', 'shutting-down', 'terminated the dev VM'],
  ] as const)('%s calls %s, stores the new state and audits it', async (name, op, state, words) => {
    const vm = await provision();
    const res = await call(name, {}, PEOPLE.reporter);
    expect(res).toMatchObject({ ok: true, data: { vm: { id: vm.id, state } } });
    expect(api.calls.filter((c) => c.op === op)).toHaveLength(1);
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.state).toBe(state);
    expect(comments().map((c) => adfToText(c.body as AdfDoc))).toContainEqual(expect.stringContaining(words));
  });

  it('keeps the VM running until a time, and audits it', async () => {
    await provision();
    const until = new Date(Date.now() + 3 * 3600_000).toISOString();
    const res = await call(R.panelKeepRunning, { until }, PEOPLE.assignee);
    expect(res).toMatchObject({ ok: true, data: { vm: { keepRunningUntil: until } } });
    expect(comments().map((c) => adfToText(c.body as AdfDoc))).toContainEqual(expect.stringContaining(`kept the dev VM running from the Dev VM panel`));
  });

  it.each([
    [R.panelKeepRunning, () => ({ until: new Date(Date.now() + 3 * 3600_000).toISOString() })],
    [R.panelUpdateSchedule, () => ({ schedule: { start: '07:00', stop: '15:00', timezone: 'Europe/Berlin', days: 'MON-FRI' } })],
    [R.panelStop, () => ({})],
  ] as const)('%s keeps this month’s usage on record: the API answers actions without it', async (name, payload) => {
    await provision();
    // The read operations bring usage; an action's answer does not (as the real VM API).
    const stored = DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm'));
    const usage = { month: '2026-11', hoursRun: 42.5, asOf: new Date().toISOString() };
    forge.jira.issue('OPS-42').properties.set('dev-vm', { ...stored, vm: { ...stored.vm, usage } });
    const res = await call(name, payload(), PEOPLE.assignee);
    expect(res).toMatchObject({ ok: true, data: { cost: { month: '2026-11', hoursRun: 42.5 } } });
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.usage).toEqual(usage);
  });

  describe('lifecycle actions (issue 13)', () => {
    it('Unpark, Keep this VM and the idle-stop override go to the VM API and are audited', async () => {
      await provision();
      const parked = await call(R.panelLifecycle, { parked: false, keep: true, idleStopMinutes: 120 }, PEOPLE.assignee);
      expect(parked).toMatchObject({ ok: true, data: { vm: { idleStopMinutes: 120 } } });
      expect(api.calls.filter((c) => c.op === 'updateLifecycle').map((c) => c.body)).toEqual([{ parked: false, keep: true, idleStopMinutes: 120 }]);
      expect(comments().map((c) => adfToText(c.body as AdfDoc))).toContainEqual(expect.stringContaining('changed the dev VM lifecycle from the Dev VM panel'));
      const off = await call(R.panelLifecycle, { idleStopMinutes: 'off' }, PEOPLE.assignee);
      expect(off).toMatchObject({ ok: true, data: { vm: { idleStopMinutes: 'off' } } });
    });

    it('rejects an idle-stop override under 15 minutes naming the field, before any call', async () => {
      await provision();
      const before = api.calls.length;
      const res = await call(R.panelLifecycle, { idleStopMinutes: 5 }, PEOPLE.assignee);
      expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'idleStopMinutes' } });
      expect(api.calls.length).toBe(before);
    });

    it('Keep this VM answers with a comment: the idle clock was reset, and the new earliest teardown date in the VM zone', async () => {
      await provision();
      configure(forge, api, { policy: { ...DEFAULT_POLICY, idleDays: 20 } });
      const res = await call(R.panelLifecycle, { keep: true }, PEOPLE.assignee);
      expect(res.ok).toBe(true);
      const keptAt = res.ok ? res.data.vm?.keptAt : undefined;
      expect(keptAt).toBeDefined();
      const earliest = formatInZone(new Date(Date.parse(keptAt as string) + 20 * 86_400_000).toISOString(), 'Europe/Berlin');
      const last = comments().map((c) => adfToText(c.body as AdfDoc)).pop();
      expect(last).toMatch(new RegExp(`^@Jo Doe changed the dev VM lifecycle from the Dev VM panel at .*: Keep this VM: the idle clock was reset, so it is not terminated for idleness before ${earliest.replace(/[()/]/g, '\\$&')}\\.$`));
    });

    it('forbids lifecycle changes to someone who is not assignee, reporter or admin', async () => {
      await provision();
      const before = api.calls.length;
      const res = await call(R.panelLifecycle, { keep: true }, PEOPLE.other);
      expect(res).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(api.calls.length).toBe(before);
    });
  });

  it('refuses keep-running until a time in the past', async () => {
    await provision();
    const res = await call(R.panelKeepRunning, { until: '2020-01-01T00:00:00Z' }, PEOPLE.assignee);
    expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'until' } });
  });

  it('changes the schedule, and audits the new hours', async () => {
    await provision();
    const res = await call(R.panelUpdateSchedule, { schedule: { start: '07:00', stop: '15:00', timezone: 'America/New_York', days: 'MON-THU' } }, PEOPLE.assignee);
    expect(res).toMatchObject({ ok: true, data: { vm: { schedule: { start: '07:00', stop: '15:00', timezone: 'America/New_York', days: 'MON-THU', enabled: true } } } });
    expect(comments().map((c) => adfToText(c.body as AdfDoc))).toContainEqual(expect.stringContaining('Mon–Thu 07:00–15:00 (America/New_York)'));
  });

  it('writes a schedule edit back to the mapped fields as the person, in each field’s shape; the next VM is offered the issue’s fields', async () => {
    const vm = await provision();
    const edit = { start: '07:00', stop: '15:00', timezone: 'America/New_York', days: 'MON-THU' };
    expect(await call(R.panelUpdateSchedule, { schedule: edit }, PEOPLE.assignee)).toMatchObject({ ok: true });
    const fields = forge.jira.issue('OPS-42').fields;
    // Text fields take text; the days checkbox takes its options (it held a list of {value}).
    expect([fields[FIELD.start], fields[FIELD.stop], fields[FIELD.timezone], fields[FIELD.days]]).toEqual(['07:00', '15:00', 'America/New_York', [{ value: 'MON' }, { value: 'TUE' }, { value: 'WED' }, { value: 'THU' }]]);
    expect(forge.jira.calls.filter((c) => c.method === 'PUT' && c.path === '/rest/api/3/issue/{issueIdOrKey}')).toEqual([expect.objectContaining({ actor: PEOPLE.assignee, status: 204 })]);
    // The fields hold the edit, so they are the source: no copy with the app's record to go stale.
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).schedule).toBeUndefined();

    // The VM is gone; "Provision a new VM" offers the edited hours, and a later edit of the
    // issue's fields counts (the fields are the one source now).
    (api.vms.get(vm.id) as Vm).state = 'terminated';
    const offered = await call(R.panelGet, {}, PEOPLE.assignee);
    expect(offered.ok && offered.data.draft).toMatchObject({ values: { start: '07:00', stop: '15:00', timezone: 'America/New_York', days: 'MON-THU' }, problems: [] });
    expect(offered.ok && offered.data.draft?.scheduleFromPanel).toBeUndefined();
    fields[FIELD.start] = '09:00';
    const later = await call(R.panelGet, {}, PEOPLE.assignee);
    expect(later.ok && later.data.draft?.values.start).toBe('09:00');
  });

  it('keeps a schedule edit Jira refuses to write with the app’s record, which then wins over the fields for the next VM', async () => {
    const vm = await provision();
    forge.jira.faults.push({ method: 'PUT', template: '/rest/api/3/issue/{issueIdOrKey}', status: 400, times: 1 });
    const edit = { start: '07:00', stop: '15:00', timezone: 'America/New_York', days: 'MON-THU' };
    expect(await call(R.panelUpdateSchedule, { schedule: edit }, PEOPLE.assignee)).toMatchObject({ ok: true, data: { vm: { schedule: edit } } });
    expect(forge.jira.issue('OPS-42').fields[FIELD.start]).toBe('08:30');
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).schedule).toMatchObject(edit);
    (api.vms.get(vm.id) as Vm).state = 'terminated';
    const offered = await call(R.panelGet, {}, PEOPLE.assignee);
    expect(offered.ok && offered.data.draft).toMatchObject({ values: { start: '07:00', stop: '15:00', timezone: 'America/New_York', days: 'MON-THU' }, scheduleFromPanel: true });
  });

  it('rejects a schedule the contract rejects, naming the field, before any call', async () => {
    await provision();
    const before = api.calls.length;
    const res = await call(R.panelUpdateSchedule, { schedule: { start: '7am', timezone: 'UTC' } }, PEOPLE.assignee);
    expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'schedule.start' } });
    expect(api.calls.length).toBe(before);
  });

  it('forbids actions to someone who is not assignee, reporter or admin: no API call, no comment', async () => {
    await provision();
    const before = { calls: api.calls.length, comments: comments().length };
    const res = await call(R.panelStop, {}, PEOPLE.other);
    expect(res).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(api.calls.length).toBe(before.calls);
    expect(comments().length).toBe(before.comments);
  });

  it('answers NOT_CONFIGURED when the API is not set up', async () => {
    configure(forge, undefined);
    forge.kvs.secrets.clear();
    const res = await call(R.panelProvision, {}, PEOPLE.assignee);
    expect(res).toMatchObject({ ok: false, error: { code: 'NOT_CONFIGURED' } });
  });

  it('refreshes the state from the API when the panel opens', async () => {
    const vm = await provision();
    api.vms.set(vm.id, { ...(api.vms.get(vm.id) as Vm), state: 'running', usage: { month: '2026-11', hoursRun: 40, asOf: '2026-11-26T08:00:00Z' } });
    const res = await call(R.panelGet, {}, PEOPLE.other);
    expect(res).toMatchObject({ ok: true, data: { vm: { state: 'running' }, cost: { month: '2026-11', hoursRun: 40, pricesAsOf: expect.any(String) } } });
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.state).toBe('running');
  });
});

describe('writing the refreshed VM back to the issue', () => {
  const propertyWrites = () => forge.jira.calls.filter((c) => c.method === 'PUT' && c.path.endsWith('/properties/{propertyKey}')).length;
  const withUsage = (id: string, asOf: string, hoursRun: number) => api.vms.set(id, { ...(api.vms.get(id) as Vm), state: 'running', usage: { month: '2026-11', hoursRun, asOf } });
  async function provision(): Promise<Vm> {
    const res = await call(R.panelProvision, {}, PEOPLE.assignee);
    if (!res.ok) throw new Error(res.error.message);
    return res.data.vm as Vm;
  }

  it('does not write the property on every view when only the usage figure moved, but does when the state changed or usage is an hour old', async () => {
    const vm = await provision();
    withUsage(vm.id, '2026-11-26T08:00:00Z', 40);
    await call(R.panelGet, {}, PEOPLE.other); // state pending → running: written
    const afterFirst = propertyWrites();
    withUsage(vm.id, '2026-11-26T08:05:00Z', 40.1);
    await call(R.panelGet, {}, PEOPLE.other); // usage 5 minutes newer only: not written
    expect(propertyWrites()).toBe(afterFirst);
    withUsage(vm.id, '2026-11-26T09:05:00Z', 41.1);
    await call(R.panelGet, {}, PEOPLE.other); // usage an hour newer: written
    expect(propertyWrites()).toBe(afterFirst + 1);
    api.vms.set(vm.id, { ...(api.vms.get(vm.id) as Vm), state: 'stopping' });
    const res = await call(R.panelGet, {}, PEOPLE.other); // state changed: written
    expect(propertyWrites()).toBe(afterFirst + 2);
    expect(res).toMatchObject({ ok: true, data: { vm: { state: 'stopping' } } });
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.state).toBe('stopping');
  });
});

describe('next start and stop while the VM is kept running', () => {
  async function keptUntil(until: string | undefined, at: Date) {
    const res = await call(R.panelProvision, {}, PEOPLE.assignee);
    if (!res.ok || !res.data.vm) throw new Error('not provisioned');
    const stored = DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm'));
    forge.jira.issue('OPS-42').properties.set('dev-vm', { ...stored, vm: { ...res.data.vm, state: 'running', ...(until ? { keepRunningUntil: until } : {}) } });
    api.mode = 'down'; // the stored record is what the panel shows
    const resolver = buildPanelResolver({ now: () => at }).getDefinitions();
    const raw = await forge.invokeResolver(resolver as unknown as ResolverHandler, R.panelGet, {}, { accountId: PEOPLE.assignee, issueKey: 'OPS-42' });
    return resultOf(Resolvers[R.panelGet].result).parse(raw);
  }
  const WED_1600_BERLIN = new Date('2026-11-25T15:00:00Z');

  it('gives the end of the hold as the next stop when it outlasts today’s scheduled stop (the scheduler holds the stop back)', async () => {
    const res = await keptUntil('2026-11-25T19:00:00Z', WED_1600_BERLIN);
    expect(res).toMatchObject({ ok: true, data: { nextStop: '2026-11-25T19:00:00.000Z', nextStart: '2026-11-26T07:30:00.000Z' } });
  });

  it('keeps the scheduled stop when the hold ends before it', async () => {
    const res = await keptUntil('2026-11-25T16:00:00Z', WED_1600_BERLIN);
    expect(res).toMatchObject({ ok: true, data: { nextStop: '2026-11-25T17:00:00.000Z' } });
  });
});

describe('payload validation', () => {
  it('rejects unknown payload members on a no-argument resolver', async () => {
    const res = await call(R.panelStart, { id: 'i-0123456789abcdef0' }, PEOPLE.assignee);
    expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });

  it('uses the issue from Forge’s context, never from the page', async () => {
    forge.jira.addIssue(goodIssue({ id: '10043', key: 'OPS-43' }));
    const res = await call(R.panelGet, { issueKey: 'OPS-43' }, PEOPLE.assignee);
    expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });
});

describe('when the API is slow', () => {
  it('panel.get answers from the stored record when the API does not answer', async () => {
    const res0 = await call(R.panelProvision, {}, PEOPLE.assignee);
    expect(res0.ok).toBe(true);
    api.mode = 'hang';
    const res = await call(R.panelGet, {}, PEOPLE.assignee);
    expect(res).toMatchObject({ ok: true, data: { vm: { state: 'pending' } } });
  });
});

describe('a provision request waiting in the retry queue', () => {
  const T0 = new Date('2026-11-26T10:00:00Z');
  async function at<N extends ResolverName>(when: Date, name: N): Promise<ResolverResult<N>> {
    const resolver = buildPanelResolver({ now: () => when }).getDefinitions();
    const raw = await forge.invokeResolver(resolver as unknown as ResolverHandler, name, {}, { accountId: PEOPLE.assignee, issueKey: 'OPS-42' });
    return resultOf(Resolvers[name].result).parse(raw) as ResolverResult<N>;
  }

  it('is shown with when it was asked for, when the app tries again and why, until the queue delivers the VM', async () => {
    api.mode = 'down';
    expect(await at(T0, R.panelProvision)).toMatchObject({ ok: false, error: { code: 'UPSTREAM_FAILED' } });
    const queued = await at(new Date(T0.getTime() + 10_000), R.panelGet);
    expect(queued).toMatchObject({
      ok: true,
      data: { vm: null, pendingProvision: { requestedAt: '2026-11-26T10:00:00.000Z', nextAttemptAt: '2026-11-26T10:01:00.000Z', attempts: 1, maxAttempts: 4, lastError: expect.stringMatching(/.+/) } },
    });
    // No stale flag: there was no VM record to refresh.
    expect(queued.ok && queued.data.stale).toBeUndefined();

    api.mode = 'up';
    await forge.drainQueue((e) => handleQueueEvent(e, new Date(T0.getTime() + 61_000)));
    const done = await at(new Date(T0.getTime() + 70_000), R.panelGet);
    expect(done).toMatchObject({ ok: true, data: { vm: { state: 'pending' }, draft: null } });
    expect(done.ok && done.data.pendingProvision).toBeUndefined();
    expect(api.calls.filter((c) => c.op === 'provision')).toHaveLength(1);
  });

  it('refuses a second click while queued, so no second request is sent or queued', async () => {
    api.mode = 'down';
    await at(T0, R.panelProvision);
    api.mode = 'up';
    const again = await at(new Date(T0.getTime() + 5_000), R.panelProvision);
    expect(again).toMatchObject({ ok: false, error: { code: 'CONFLICT', message: expect.stringContaining('already queued') } });
    // The API was down for the first click (refused before routing) and is not called for the second.
    expect(api.calls.filter((c) => c.op === 'provision')).toHaveLength(0);
    expect(forge.queue).toHaveLength(1);
  });

  it('is no longer shown once past the queue’s retry window (its job was lost), and Provision sends it again under the same key', async () => {
    api.mode = 'down';
    await at(T0, R.panelProvision);
    const key = DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).pending?.request.idempotencyKey;
    const later = new Date(T0.getTime() + 2 * 3600_000);
    const res = await at(later, R.panelGet);
    expect(res.ok && res.data.pendingProvision).toBeUndefined();
    api.mode = 'up';
    expect(await at(later, R.panelProvision)).toMatchObject({ ok: true, data: { vm: { state: 'pending' } } });
    expect(api.calls.filter((c) => c.op === 'provision').at(-1)?.body).toMatchObject({ idempotencyKey: key });
  });
});

describe('freshness of the VM record shown', () => {
  it('marks the view refreshed now when the API answered, and stale as of the stored record when it did not', async () => {
    const T0 = new Date('2026-11-26T10:00:00Z');
    const get = async (when: Date) => {
      const resolver = buildPanelResolver({ now: () => when }).getDefinitions();
      return resultOf(Resolvers[R.panelGet].result).parse(await forge.invokeResolver(resolver as unknown as ResolverHandler, R.panelGet, {}, { accountId: PEOPLE.assignee, issueKey: 'OPS-42' }));
    };
    expect((await call(R.panelProvision, {}, PEOPLE.assignee)).ok).toBe(true);
    const fresh = await get(T0);
    expect(fresh).toMatchObject({ ok: true, data: { refreshedAt: '2026-11-26T10:00:00.000Z' } });
    expect(fresh.ok && fresh.data.stale).toBeUndefined();

    const storedAt = DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).updatedAt;
    api.mode = 'down';
    const stale = await get(new Date(T0.getTime() + 60_000));
    expect(stale).toMatchObject({ ok: true, data: { stale: true, refreshedAt: new Date(storedAt).toISOString(), vm: { state: 'pending' } } });
  });
});
