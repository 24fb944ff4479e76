import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { JiraOpenApi } from '../../local/jira-openapi';
import { PRUNED_SPEC_PATH, USED_OPERATIONS, pruneSpec, type FullSpec } from '../../local/jira-openapi-prune';

/** The repository's pruned copy of Atlassian's Jira OpenAPI document is complete and self-contained. */

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sourceFiles(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}

/** `route\`/rest/api/3/issue/${key}/comment\`` → `/rest/api/3/issue/x/comment` (query string dropped). */
function routesIn(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/route`(\/rest\/[^`]*)`/g)].map((m) => (m[1] ?? '').replace(/\$\{[^}]*\}/g, 'x').split('?')[0] ?? '');
}

describe('the pruned Jira OpenAPI document in local/', () => {
  const spec = new JiraOpenApi();

  it('has an operation for every Jira path the app calls', () => {
    const routes = sourceFiles(join(__dirname, '../../src')).flatMap(routesIn);
    expect(routes.length).toBeGreaterThanOrEqual(10);
    const missing = routes.filter((r) => 'error' in spec.match('GET', r) && 'error' in spec.match('POST', r) && 'error' in spec.match('PUT', r));
    expect(missing).toEqual([]);
  });

  it('records its source, the source version, the date and the operations it keeps', () => {
    const doc = JSON.parse(readFileSync(PRUNED_SPEC_PATH, 'utf8')) as { info: { 'x-pruned': { source: string; sourceVersion: string; prunedOn: string; operations: string[] } } };
    const meta = doc.info['x-pruned'];
    expect(meta.source).toMatch(/^https:\/\/developer\.atlassian\.com\//);
    expect(meta.sourceVersion).toMatch(/\S/);
    expect(meta.prunedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(meta.operations).toEqual(USED_OPERATIONS.map(([m, t]) => `${m.toUpperCase()} ${t}`));
  });

  it('validates request bodies against schemas reached through $ref (every reference resolves)', () => {
    const op = spec.match('POST', '/rest/api/3/issue/OPS-1/transitions');
    if ('error' in op) throw new Error(op.error);
    expect(spec.checkRequest(op, new URLSearchParams(), { transition: { id: '31' } }, true)).toEqual([]);
    expect(spec.checkRequest(op, new URLSearchParams(), { transition: 'x' }, true).join(' ')).toMatch(/body\/transition/);
  });

  it('refuses an operation the app does not use', () => {
    expect(spec.match('DELETE', '/rest/api/3/issue/OPS-1')).toEqual({ error: expect.stringMatching(/not allowed|no operation/) });
    expect(spec.match('GET', '/rest/api/3/project/search')).toEqual({ error: expect.stringMatching(/no operation/) });
  });
});

describe('pruneSpec', () => {
  const full: FullSpec = {
    openapi: '3.0.1',
    info: { title: 'Jira', version: 'v1' },
    paths: {
      '/a': { get: { responses: { '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/A' } } } } } }, delete: {} },
      '/b': { get: {} },
    },
    components: {
      schemas: { A: { properties: { b: { $ref: '#/components/schemas/B' } } }, B: { items: { $ref: '#/components/schemas/A' } }, C: { type: 'string' } },
      securitySchemes: {},
    },
  };

  it('keeps the listed operations and the closure of their schemas, cycles included', () => {
    const out = pruneSpec(full, [['get', '/a']], '2026-11-30');
    expect(Object.keys(out.paths)).toEqual(['/a']);
    expect(Object.keys(out.paths['/a'] ?? {})).toEqual(['get']);
    expect(Object.keys(out.components.schemas)).toEqual(['A', 'B']);
  });

  it('fails loudly when an operation or a referenced schema is missing', () => {
    expect(() => pruneSpec(full, [['post', '/a']], 'd')).toThrow('no POST /a');
    const broken = { ...full, components: { schemas: { A: { $ref: '#/components/schemas/Z' } } } };
    expect(() => pruneSpec(broken, [['get', '/a']], 'd')).toThrow('schema Z');
  });
});
