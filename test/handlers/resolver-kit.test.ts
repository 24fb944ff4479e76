import Resolver from '@forge/resolver';
import { R, type ResolverInput } from '../../src/contract/resolvers';
import { define } from '../../src/handlers/resolver-kit';
import type { ForgeStandIn, ResolverHandler } from '../../local/forge-runtime';
import { PEOPLE, site } from '../../local/site-fixtures';

/**
 * Handlers receive the payload as the contract's table parsed it (issue 10 item 6): the type is
 * inferred from the resolver's name, and the value is the parsed one (defaults, trimming), so no
 * handler re-parses or casts it.
 */
let forge: ForgeStandIn;
beforeEach(() => {
  forge = site();
});
afterEach(() => forge.uninstall());

describe('resolver payloads', () => {
  it('hands the handler the parsed payload, typed from the contract', async () => {
    const seen: ResolverInput<typeof R.adminSearchUsers>[] = [];
    const resolver = new Resolver();
    define(resolver, R.adminSearchUsers, async (payload) => {
      // Typed from the table: `query` is a string; a name the schema does not have is a compile error.
      const query: string = payload.query;
      // @ts-expect-error the adminSearchUsers payload has no `until`
      void payload.until;
      seen.push(payload);
      return { users: [{ accountId: PEOPLE.admin, displayName: query }] };
    });
    const res = await forge.invokeResolver(resolver.getDefinitions() as unknown as ResolverHandler, R.adminSearchUsers, { query: '  jo  ' }, { accountId: PEOPLE.admin });
    // The schema trims: the handler sees the parsed value, not what the page sent.
    expect(seen).toEqual([{ query: 'jo' }]);
    expect(res).toEqual({ ok: true, data: { users: [{ accountId: PEOPLE.admin, displayName: 'jo' }] } });
  });

  it('never runs the handler for a payload outside the contract, and names every problem', async () => {
    let ran = false;
    const resolver = new Resolver();
    define(resolver, R.panelKeepRunning, async () => {
      ran = true;
      throw new Error('not reached');
    });
    const res = await forge.invokeResolver(resolver.getDefinitions() as unknown as ResolverHandler, R.panelKeepRunning, { until: 'tomorrow', extra: 1 }, { accountId: PEOPLE.assignee, issueKey: 'OPS-42' });
    expect(ran).toBe(false);
    expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: expect.any(String), message: expect.stringMatching(/until: .*; .*extra/s) } });
  });
});
