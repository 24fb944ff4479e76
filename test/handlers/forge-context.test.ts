import Resolver from '@forge/resolver';
import { R } from '../../src/contract/resolvers';
import { callerOf, type CallerContext } from '../../src/handlers/forge-context';
import { define } from '../../src/handlers/resolver-kit';

/**
 * Forge's resolver context is parsed, not cast (issue 10): the documented shape gives the caller's
 * identities; anything else gives undefined identities, never a crash and never a value of the
 * wrong type that a later `startsWith` or comparison would trip over.
 */

const NONE: CallerContext = { accountId: undefined, issueKey: undefined, issueId: undefined, projectKey: undefined };

describe('callerOf', () => {
  it('reads the documented Custom UI resolver context of an issue panel', () => {
    const context = {
      accountId: '5b10ac8d82e05b22cc7d4ef5',
      cloudId: 'a436116f-02ce-4520-8fbb-7301462a1674',
      moduleKey: 'dev-vm-panel',
      localId: 'ari:cloud:ecosystem::extension/x',
      extension: { type: 'jira:issuePanel', issue: { key: 'OPS-42', id: '10042', type: 'Task', typeId: '10001' }, project: { key: 'OPS', id: '10000', type: 'software' } },
      installContext: 'ari:cloud:jira::site/a436116f',
    };
    expect(callerOf(context)).toEqual({ accountId: '5b10ac8d82e05b22cc7d4ef5', issueKey: 'OPS-42', issueId: '10042', projectKey: 'OPS' });
  });

  it('reads a numeric issue id as its string', () => {
    expect(callerOf({ accountId: 'a', extension: { issue: { key: 'OPS-1', id: 10001 } } })).toEqual({ ...NONE, accountId: 'a', issueKey: 'OPS-1', issueId: '10001' });
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'OPS-42'],
    ['a number', 42],
    ['an array', [{ accountId: 'a' }]],
    ['an empty object', {}],
  ])('gives undefined identities for %s', (_name, context) => {
    expect(callerOf(context)).toEqual(NONE);
  });

  it('drops each malformed identity on its own, keeping the well-formed ones', () => {
    expect(callerOf({ accountId: 'a', extension: { issue: { key: { toString: 'OPS-1' }, id: -3 }, project: 'OPS' } })).toEqual({ ...NONE, accountId: 'a' });
    expect(callerOf({ accountId: ['a'], extension: { issue: { key: 'OPS-1', id: '' } } })).toEqual({ ...NONE, issueKey: 'OPS-1' });
    expect(callerOf({ accountId: '', extension: 'jira:issuePanel' })).toEqual(NONE);
    expect(callerOf({ accountId: 'a', extension: { issue: null, project: { key: 7.5 } } })).toEqual({ ...NONE, accountId: 'a' });
  });
});

describe('a resolver given a malformed context', () => {
  it('answers with the handler seeing undefined identities, not with a crash', async () => {
    const seen: CallerContext[] = [];
    const resolver = new Resolver();
    define(resolver, R.adminSearchUsers, async (_payload, caller) => {
      seen.push(caller);
      return { users: [] };
    });
    const run = resolver.getDefinitions();
    // As Forge would call it, with an extension and a principal of the wrong shapes.
    const res = await run({ call: { functionKey: R.adminSearchUsers, payload: { query: 'jo' } }, context: { extension: { issue: ['OPS-1'], project: { key: null } } } } as never, { principal: { accountId: { id: 'a' } } } as never);
    expect(res).toEqual({ ok: true, data: { users: [] } });
    expect(seen).toEqual([NONE]);
  });
});
