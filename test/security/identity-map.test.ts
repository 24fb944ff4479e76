import { R, Resolvers, resultOf, type ResolverName, type ResolverResult } from '../../src/contract/resolvers';
import { adfToText, type AdfDoc } from '../../src/domain/adf';
import { adminResolver } from '../../src/handlers/admin-resolvers';
import { handleIssueUpdated } from '../../src/handlers/issue-updated';
import { panelResolver } from '../../src/handlers/panel-resolvers';
import type { ForgeStandIn, ResolverHandler } from '../../local/forge-runtime';
import { startVmApiStandIn, type VmApiStandIn } from '../../local/vm-api-server';
import { FIELD, PEOPLE, STATUS, configure, goodIssue, identityFor, settingsFor, site, statusChangedEvent } from '../../local/site-fixtures';

/**
 * Issue 11 item 5: the developer and client of a request come from issue fields anyone who may
 * edit the issue can fill in. Without the identity map, any reporter could give any developer
 * login (their own included) any client's database. The map ties developer names to Jira
 * accounts and developers to clients; unknown clients create nothing unless the admin allows it.
 */

process.env.DEV_VM_SILENT_LOGS = '1';

let api: VmApiStandIn;
let forge: ForgeStandIn;
beforeAll(async () => {
  api = await startVmApiStandIn();
});
afterAll(() => api.close());
afterEach(() => {
  expect(forge.violations()).toEqual([]);
  forge.uninstall();
});

// jdoe is the assignee and may use acme-corp only; asmith is someone else's developer name.
const MAP = identityFor(
  [
    { developer: 'jdoe', accountId: PEOPLE.assignee, clients: ['acme-corp'] },
    { developer: 'asmith', accountId: PEOPLE.other, clients: 'any' },
  ],
  { knownClients: ['acme-corp', 'globex'] },
);

function setUp(fields: Record<string, unknown>, statusId: string = STATUS.ready, identity = MAP): void {
  api.reset();
  forge = site([goodIssue({ statusId, fields: { ...goodIssue().fields, ...fields } })]);
  configure(forge, api, { identity });
}

async function toReady(): Promise<string> {
  await forge.asInvocation(undefined, () => handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.inProgress, STATUS.ready), new Date()));
  return forge.jira.commentsOn('OPS-42').map((c) => adfToText(c.body as AdfDoc)).join('\n');
}

const provisions = () => api.calls.filter((c) => c.op === 'provision');

describe('trigger: moving the issue to Ready', () => {
  it('refuses a developer name that belongs to someone who is neither assignee nor reporter', async () => {
    setUp({ [FIELD.developer]: 'asmith' });
    expect(await toReady()).toContain('DEVELOPER_NOT_ON_ISSUE');
    expect(provisions()).toEqual([]);
  });

  it('refuses a developer name that is not in the map (e.g. the reporter inventing a login)', async () => {
    setUp({ [FIELD.developer]: 'mallory' });
    expect(await toReady()).toContain('DEVELOPER_NOT_MAPPED');
    expect(provisions()).toEqual([]);
  });

  it("refuses a client the developer is not allowed, naming the developer's allowed clients", async () => {
    setUp({ [FIELD.client]: 'globex' });
    const text = await toReady();
    expect(text).toContain('CLIENT_NOT_ALLOWED');
    expect(text).toContain('allowed: acme-corp');
    expect(provisions()).toEqual([]);
  });

  it('refuses a client nobody knows (a typo creates no database), unless the admin allows new clients', async () => {
    const anyClient = identityFor([{ developer: 'jdoe', accountId: PEOPLE.assignee }], { knownClients: ['acme-corp'] });
    setUp({ [FIELD.client]: 'acme-crop' }, STATUS.ready, anyClient);
    expect(await toReady()).toContain('CLIENT_UNKNOWN');
    expect(provisions()).toEqual([]);
    forge.uninstall();

    setUp({ [FIELD.client]: 'acme-crop' }, STATUS.ready, { ...anyClient, allowNewClients: true });
    await toReady();
    expect(provisions()).toHaveLength(1);
  });

  it('provisions for the mapped assignee and an allowed, known client', async () => {
    setUp({});
    await toReady();
    expect(provisions()).toHaveLength(1);
  });
});

describe('panel: the Provision button', () => {
  async function provision(accountId: string): Promise<ResolverResult<typeof R.panelProvision>> {
    const raw = await forge.invokeResolver(panelResolver as unknown as ResolverHandler, R.panelProvision, {}, { accountId, issueKey: 'OPS-42' });
    return resultOf(Resolvers[R.panelProvision].result).parse(raw) as ResolverResult<typeof R.panelProvision>;
  }

  it('acts only in a provisioning status for the assignee, but for an administrator in any status', async () => {
    setUp({}, STATUS.inProgress);
    expect(await provision(PEOPLE.assignee)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: expect.stringContaining('NOT_PROVISION_STATUS') } });
    expect(provisions()).toEqual([]);
    expect(await provision(PEOPLE.admin)).toMatchObject({ ok: true });
    expect(provisions()).toHaveLength(1);
  });

  it("refuses the reporter provisioning someone else's developer name; an administrator may", async () => {
    setUp({ [FIELD.developer]: 'asmith' });
    expect(await provision(PEOPLE.reporter)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', field: FIELD.developer, message: expect.stringContaining('DEVELOPER_NOT_ON_ISSUE') } });
    expect(provisions()).toEqual([]);
    expect(await provision(PEOPLE.admin)).toMatchObject({ ok: true });
  });

  it('refuses a client the developer may not use, even for an administrator', async () => {
    setUp({ [FIELD.client]: 'globex' });
    expect(await provision(PEOPLE.admin)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', field: FIELD.client, message: expect.stringContaining('CLIENT_NOT_ALLOWED') } });
    expect(provisions()).toEqual([]);
  });
});

describe('admin page: the map itself', () => {
  async function save(identity: unknown): Promise<ResolverResult<ResolverName>> {
    const settings = { ...settingsFor(api), identity };
    return (await forge.invokeResolver(adminResolver as unknown as ResolverHandler, R.adminSave, { settings, secrets: {} }, { accountId: PEOPLE.admin })) as ResolverResult<ResolverName>;
  }

  it('refuses two developer names for one Jira user and one name for two users, reporting every problem at once', async () => {
    setUp({});
    const res = await save({
      developers: [
        { developer: 'jdoe', accountId: PEOPLE.assignee, clients: 'any' },
        { developer: 'jdoe2', accountId: PEOPLE.assignee, clients: 'any' },
        { developer: 'jdoe', accountId: PEOPLE.other, clients: 'any' },
      ],
      knownClients: ['acme-corp'],
      allowNewClients: false,
    });
    expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    // Each problem names its row and column as the page shows them (not a setting path).
    expect(res.ok ? [] : res.error.problems).toEqual([
      { field: 'identity.developers.1.accountId', label: 'Developer row 2, Jira user', message: 'this Jira user already has developer name "jdoe" (row 1); one developer name per Jira user' },
      { field: 'identity.developers.2.developer', label: 'Developer row 3, developer name', message: 'developer name "jdoe" is already mapped in row 1; one Jira account per developer name' },
    ]);
  });

  it("finds Jira users for the picker for an administrator only (Jira's user search, as the admin)", async () => {
    setUp({});
    const search = (accountId: string) => forge.invokeResolver(adminResolver as unknown as ResolverHandler, R.adminSearchUsers, { query: 'jo' }, { accountId });
    expect(await search(PEOPLE.admin)).toEqual({ ok: true, data: { users: [{ accountId: PEOPLE.assignee, displayName: 'Jo Doe' }] } });
    expect(await search(PEOPLE.reporter)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('is kept when valid, with new clients off by default', async () => {
    setUp({});
    const res = await save({ developers: [{ developer: 'jdoe', accountId: PEOPLE.assignee, clients: ['acme-corp'] }], knownClients: ['acme-corp'] });
    expect(res).toMatchObject({ ok: true, data: { view: { settings: { identity: { allowNewClients: false, knownClients: ['acme-corp'] } } } } });
  });
});
