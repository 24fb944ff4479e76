import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { R, Resolvers, resultOf, type ResolverName, type ResolverResult } from '../../src/contract/resolvers';
import { DEFAULT_IDLE_RULES } from '../../src/contract/idle-policy';
import { DEFAULT_SETTINGS, type Settings } from '../../src/contract/settings';
import { adminResolver } from '../../src/handlers/admin-resolvers';
import type { ForgeStandIn, ResolverHandler } from '../../local/forge-runtime';
import { startVmApiStandIn, type VmApiStandIn } from '../../local/vm-api-server';
import { FIELD, PEOPLE, STATUS, configure, settingsFor, site } from '../../local/site-fixtures';

process.env.DEV_VM_SILENT_LOGS = '1';

let api: VmApiStandIn;
let forge: ForgeStandIn;
beforeAll(async () => {
  api = await startVmApiStandIn();
});
afterAll(() => api.close());
beforeEach(() => {
  api.reset();
  forge = site();
});
afterEach(() => {
  expect(forge.violations()).toEqual([]);
  forge.uninstall();
});

async function call<N extends ResolverName>(name: N, payload: unknown, accountId: string = PEOPLE.admin): Promise<ResolverResult<N>> {
  const raw = await forge.invokeResolver(adminResolver as unknown as ResolverHandler, name, payload, { accountId });
  const parsed = resultOf(Resolvers[name].result).safeParse(raw);
  if (!parsed.success) throw new Error(`resolver ${name} answered outside the contract: ${JSON.stringify(raw).slice(0, 400)}`);
  return parsed.data as ResolverResult<N>;
}

const everyName = Object.values(R).filter((n) => n.startsWith('admin.'));

describe('only Jira administrators', () => {
  it.each(everyName)('%s is refused to a non-admin', async (name) => {
    const payload = name === R.adminSave ? { settings: DEFAULT_SETTINGS, secrets: {} } : name === R.adminSearchUsers ? { query: 'jo' } : {};
    const res = await call(name, payload, PEOPLE.assignee);
    expect(res).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});

describe('admin.get', () => {
  it('shows defaults, a checklist of what is missing and the web trigger URL, with no secret', async () => {
    const res = await call(R.adminGet, {});
    expect(res).toMatchObject({
      ok: true,
      data: { settings: DEFAULT_SETTINGS, secrets: { hasSecretAccessKey: false, hasHmacSecret: false }, webtriggerUrl: forge.webtriggerUrl },
    });
    if (!res.ok) return;
    expect(res.data.checklist.filter((c) => !c.done).map((c) => c.id)).toEqual(['apiUrl', 'region', 'accessKey', 'hmacSecret', 'provisionStatus', 'fields']);
  });

  it('masks the access key id and never returns a secret value', async () => {
    configure(forge, api);
    const res = await call(R.adminGet, {});
    const json = JSON.stringify(res);
    expect(json).not.toContain(api.credentials.secretAccessKey);
    expect(json).not.toContain(api.credentials.accessKeyId);
    expect(json).not.toContain('whsec-');
    expect(res).toMatchObject({ ok: true, data: { secrets: { accessKeyIdMasked: expect.stringMatching(/^AKIA•+[A-Z0-9]{4}$/), hasSecretAccessKey: true, hasHmacSecret: true } } });
  });

  it('reads settings stored before the comments option existed, with scheduled starts and stops commenting', async () => {
    const stored = configure(forge, api);
    const { comments: _added, ...older } = JSON.parse(JSON.stringify(stored)) as Settings;
    const t = Date.now();
    forge.kvs.values.set('settings:v1', { value: older, createdAt: t, updatedAt: t });
    const res = await call(R.adminGet, {});
    // The stored values are kept (a failed parse would show the defaults instead).
    expect(res).toMatchObject({ ok: true, data: { settings: { apiUrl: api.url, fields: { client: FIELD.client }, comments: { scheduledStartStop: 'comment' } } } });
  });
});

describe('stored settings that cannot be read (issue 10 item 8)', () => {
  it.each([
    ['saved by a newer version of the app', (s: Settings) => ({ ...s, version: 2 }), /newer version of the app \(version 2\)/],
    ['damaged', (s: Settings) => ({ ...s, policy: { ...s.policy, idleDays: 'thirty' } }), /policy\.idleDays does not match/],
  ])('are reported on the admin page and in the log when %s, never silently replaced by the defaults', async (_n, damage, problem) => {
    const t = Date.now();
    forge.kvs.values.set('settings:v1', { value: damage(JSON.parse(JSON.stringify(configure(forge, api))) as Settings), createdAt: t, updatedAt: t });
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    process.env.DEV_VM_SILENT_LOGS = '0';
    try {
      const res = await call(R.adminGet, {});
      expect(res).toMatchObject({ ok: true, data: { settings: { statuses: DEFAULT_SETTINGS.statuses }, storedSettingsUnreadable: { problems: [expect.stringMatching(problem)] } } });
      expect(logged.mock.calls.map((c) => String(c[0]))).toContainEqual(expect.stringMatching(/"level":"error","message":"stored settings unreadable/));
    } finally {
      process.env.DEV_VM_SILENT_LOGS = '1';
      logged.mockRestore();
    }
    // Saving replaces them; the page then no longer reports them.
    expect(await call(R.adminSave, { settings: settingsFor(api), secrets: {} })).toMatchObject({ ok: true, data: { view: { settings: { apiUrl: api.url } } } });
    const after = await call(R.adminGet, {});
    expect(after.ok && after.data.storedSettingsUnreadable).toBeUndefined();
  });

  it('are not reported when readable, including settings stored before versions existed', async () => {
    configure(forge, api);
    const res = await call(R.adminGet, {});
    expect(res.ok && res.data.storedSettingsUnreadable).toBeUndefined();
    expect(res).toMatchObject({ ok: true, data: { settings: { apiUrl: api.url } } });
  });
});

describe('admin.save', () => {
  const secrets = () => ({ accessKeyId: api.credentials.accessKeyId, secretAccessKey: api.credentials.secretAccessKey, hmacSecret: 'h'.repeat(40) });

  it('stores settings and secrets (secrets with setSecret) and returns what changed', async () => {
    const settings = settingsFor(api);
    const res = await call(R.adminSave, { settings, secrets: secrets() });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.data.changed).toEqual(expect.arrayContaining(['apiUrl', 'region', 'statuses.provision', 'fields.client', 'secrets.accessKeyId', 'secrets.secretAccessKey', 'secrets.hmacSecret']));
    // Stored with its version (issue 10 item 8), so a later shape can be migrated explicitly.
    expect(forge.kvs.get('settings:v1')).toEqual({ version: 1, ...JSON.parse(JSON.stringify(settings)) });
    expect(forge.kvs.getSecret('secret:aws-secret-access-key')).toBe(api.credentials.secretAccessKey);
    expect(JSON.stringify(forge.kvs.get('settings:v1'))).not.toContain(api.credentials.secretAccessKey);
    expect(res.data.view.checklist.every((c) => c.done)).toBe(true);

    const again = await call(R.adminSave, { settings, secrets: {} });
    expect(again).toMatchObject({ ok: true, data: { changed: [] } });
  });

  it('stores the choice for scheduled starts and stops, and names it as changed', async () => {
    configure(forge, api);
    const res = await call(R.adminSave, { settings: { ...settingsFor(api), comments: { scheduledStartStop: 'silent' } }, secrets: {} });
    expect(res).toMatchObject({ ok: true, data: { changed: ['comments.scheduledStartStop'], view: { settings: { comments: { scheduledStartStop: 'silent' } } } } });
    expect(forge.kvs.get('settings:v1')).toMatchObject({ comments: { scheduledStartStop: 'silent' } });
    const bad = await call(R.adminSave, { settings: { ...settingsFor(api), comments: { scheduledStartStop: 'never' } }, secrets: {} });
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'settings.comments.scheduledStartStop' } });
  });

  describe('idle and stop rules (issue 13): sent to the reconciler through the VM API', () => {
    it('a save sends the policy (PUT /policy) with the policy idle days, once; a change sends it again', async () => {
      configure(forge, api);
      const settings = { ...settingsFor(api), idle: { ...DEFAULT_IDLE_RULES, idleStopMinutes: 45 } };
      const res = await call(R.adminSave, { settings, secrets: {} });
      expect(res).toMatchObject({ ok: true, data: { changed: ['idle.idleStopMinutes'], view: { settings: { idle: { idleStopMinutes: 45 } } } } });
      expect(api.policy).toEqual({ ...DEFAULT_IDLE_RULES, idleStopMinutes: 45, idleDays: settings.policy.idleDays });
      expect(api.calls.filter((c) => c.op === 'updatePolicy')).toHaveLength(1);

      await call(R.adminSave, { settings, secrets: {} });
      expect(api.calls.filter((c) => c.op === 'updatePolicy')).toHaveLength(1);

      await call(R.adminSave, { settings: { ...settings, policy: { ...settings.policy, idleDays: 20 } }, secrets: {} });
      expect(api.calls.filter((c) => c.op === 'updatePolicy')).toHaveLength(2);
      expect(api.policy).toMatchObject({ idleDays: 20, idleStopMinutes: 45 });
    });

    it.each([
      ['a warning not before the termination', { idle: { ...DEFAULT_IDLE_RULES, idleWarningDays: 30 } }, 'idle.idleWarningDays'],
      ['an idle stop under 15 minutes that is not off', { idle: { ...DEFAULT_IDLE_RULES, idleStopMinutes: 5 } }, 'settings.idle.idleStopMinutes'],
    ])('refuses %s naming the field, and sends nothing', async (_name, over, field) => {
      configure(forge, api);
      const res = await call(R.adminSave, { settings: { ...settingsFor(api), ...over }, secrets: {} });
      expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field } });
      expect(api.calls.filter((c) => c.op === 'updatePolicy')).toEqual([]);
    });

    it('an AWS stack that cannot take it: the settings are saved, the error has a code and cause, and the next save sends it', async () => {
      configure(forge, api);
      api.mode = 'down';
      const settings = { ...settingsFor(api), idle: { ...DEFAULT_IDLE_RULES, idleStopMinutes: 90 } };
      const res = await call(R.adminSave, { settings, secrets: {} });
      expect(res).toMatchObject({ ok: false, error: { code: 'UPSTREAM_FAILED', field: 'idle' } });
      if (res.ok) return;
      expect(res.error.message).toMatch(/^Settings saved, but the idle and stop rules did not reach the AWS stack: .* Reference [0-9a-f]{8}\.$/);
      expect(forge.kvs.get('settings:v1')).toMatchObject({ idle: { idleStopMinutes: 90 } });
      api.mode = 'up';
      const again = await call(R.adminSave, { settings, secrets: {} });
      expect(again).toMatchObject({ ok: true, data: { changed: [] } });
      expect(api.policy).toMatchObject({ idleStopMinutes: 90 });
    });
  });

  it('clears a secret with an empty string and leaves absent ones unchanged', async () => {
    configure(forge, api);
    const res = await call(R.adminSave, { settings: settingsFor(api), secrets: { hmacSecret: '' } });
    expect(res).toMatchObject({ ok: true, data: { changed: ['secrets.hmacSecret'], view: { secrets: { hasSecretAccessKey: true, hasHmacSecret: false } } } });
  });

  it.each([
    ['a URL that is not a function URL', { apiUrl: 'https://example.com/api', region: 'eu-west-1' }, 'apiUrl'],
    ['a region not in the egress list', { apiUrl: 'https://abc123.lambda-url.me-south-1.on.aws/', region: 'me-south-1' }, 'apiUrl'],
    ['a region that differs from the URL', { apiUrl: 'https://abc123.lambda-url.eu-west-1.on.aws/', region: 'us-east-1' }, 'region'],
    ['a URL without a region', { apiUrl: 'https://abc123.lambda-url.eu-west-1.on.aws/', region: undefined }, 'region'],
  ])('refuses %s, naming the field, and stores nothing', async (_n, over, field) => {
    const res = await call(R.adminSave, { settings: { ...settingsFor(undefined), ...over }, secrets: {} });
    expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field } });
    expect(forge.kvs.get('settings:v1')).toBeUndefined();
  });

  it('refuses a status Jira does not have, and a status in two lists', async () => {
    const s: Settings = settingsFor(undefined);
    expect(await call(R.adminSave, { settings: { ...s, statuses: { ...s.statuses, stop: ['99999'] } }, secrets: {} })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'statuses.stop' } });
    expect(await call(R.adminSave, { settings: { ...s, statuses: { ...s.statuses, stop: [STATUS.ready] } }, secrets: {} })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', field: 'statuses.stop', message: expect.stringContaining('already in statuses.provision') },
    });
  });

  it('names every problem at once: URL and region, a status in two lists, an unknown status and an unknown field', async () => {
    const s: Settings = settingsFor(undefined);
    const res = await call(R.adminSave, {
      settings: { ...s, apiUrl: 'https://abc123.lambda-url.eu-west-1.on.aws/', statuses: { ...s.statuses, stop: [STATUS.ready, '99999'] }, fields: { ...s.fields, client: 'customfield_99999' } },
      secrets: {},
    });
    expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'region' } });
    expect(!res.ok && res.error.message.split('; ')).toEqual([
      'set the API URL and the region together',
      `statuses.stop: status ${STATUS.ready} is already in statuses.provision (a status can mean only one thing)`,
      'statuses.stop: Jira has no status 99999',
      'fields.client: Jira has no field customfield_99999',
    ]);
    expect(forge.kvs.get('settings:v1')).toBeUndefined();
  });

  it('refuses a mapping to a field Jira does not have', async () => {
    const s: Settings = settingsFor(undefined);
    const res = await call(R.adminSave, { settings: { ...s, fields: { ...s.fields, client: 'customfield_99999' } }, secrets: {} });
    expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'fields.client' } });
  });

  it('refuses a malformed access key id through the contract, naming the field', async () => {
    const res = await call(R.adminSave, { settings: settingsFor(undefined), secrets: { accessKeyId: 'not-a-key' } });
    expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'secrets.accessKeyId' } });
  });
});

describe('admin.testConnection', () => {
  it('reports not-configured before setup', async () => {
    const res = await call(R.adminTestConnection, {});
    expect(res).toMatchObject({ ok: true, data: { ok: false, reason: 'not-configured' } });
  });

  it('connects with a signed GET /health', async () => {
    configure(forge, api);
    const res = await call(R.adminTestConnection, {});
    expect(res).toMatchObject({ ok: true, data: { ok: true, message: expect.stringContaining('eu-west-1') } });
    expect(api.verified.map((v) => `${v.method} ${v.path}`)).toEqual(['GET /health']);
  });

  it('names a bad signature (403)', async () => {
    configure(forge, api);
    forge.kvs.secrets.set('secret:aws-secret-access-key', { value: 'z'.repeat(40), createdAt: 0, updatedAt: 0 });
    const res = await call(R.adminTestConnection, {});
    expect(res).toMatchObject({ ok: true, data: { ok: false, reason: 'signature', status: 403 } });
  });

  it('names a wrong URL (404)', async () => {
    const server: Server = createServer((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    configure(forge, api, { apiUrl: `${base}/` });
    expect(await call(R.adminTestConnection, {})).toMatchObject({ ok: true, data: { ok: false, reason: 'not-found', status: 404 } });
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
});

describe('admin.testConnection when nothing answers', () => {
  it('names a refused connection as a network failure, not as an error the API answered', async () => {
    // A port that was just free: the connection is refused, no HTTP exchange happens.
    const probe: Server = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    configure(forge, api, { apiUrl: `http://127.0.0.1:${port}/` });
    const res = await call(R.adminTestConnection, {});
    expect(res).toMatchObject({ ok: true, data: { ok: false, reason: 'network', message: expect.stringContaining('could not be reached') } });
    expect(res.ok && res.data.status).toBeUndefined();
  });
});

describe('lists for the pickers', () => {
  it('lists statuses with their category', async () => {
    const res = await call(R.adminListStatuses, {});
    expect(res.ok && res.data.statuses).toContainEqual({ id: STATUS.ready, name: 'Ready', category: 'In Progress' });
  });

  it('lists fields, and caches Jira’s list', async () => {
    const first = await call(R.adminListFields, {});
    expect(first.ok && first.data.fields).toContainEqual({ id: FIELD.client, name: 'Client', custom: true, type: 'string' });
    await call(R.adminListFields, {});
    expect(forge.jira.calls.filter((c) => c.path === '/rest/api/3/field')).toHaveLength(1);
  });
});
