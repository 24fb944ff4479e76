import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { R } from '../../src/contract/resolvers';
import * as index from '../../src/index';
import { RETRY_QUEUE_KEY } from '../../src/adapters/retry-queue';
import { APP_FIELD_KEYS } from '../../src/domain/app-fields';
import { LIFECYCLE_WEBTRIGGER_KEY, buildAdminResolver } from '../../src/handlers/admin-resolvers';
import { buildFleetResolver } from '../../src/handlers/fleet-resolvers';
import { buildPanelResolver } from '../../src/handlers/panel-resolvers';
import { ROOT, handlerExports, readManifest } from './manifest-helpers';

/**
 * Wiring between manifest.yml, src/index.ts, the resolver definitions and the pages: the
 * mistakes here only show up inside Jira at run time, so they are checked statically.
 */

function files(dir: string, ext: RegExp): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e === 'node_modules' || e === 'build' || e === 'dist') continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(files(p, ext));
    else if (ext.test(e)) out.push(p);
  }
  return out;
}

const manifest = readManifest();
const defined = (resolver: object): string[] => Object.keys((resolver as { functions: Record<string, unknown> }).functions);
const panelNames = defined(buildPanelResolver());
const adminNames = defined(buildAdminResolver());
const fleetNames = defined(buildFleetResolver());
const sourceFiles = files(join(ROOT, 'src'), /\.ts$/).map((f) => ({ path: relative(ROOT, f), text: readFileSync(f, 'utf8') }));

describe('manifest ↔ src/index.ts', () => {
  it('exports a function for every manifest handler, and nothing else', () => {
    const exported = Object.entries(index).filter(([, v]) => typeof v === 'function').map(([k]) => k).sort();
    expect([...handlerExports(manifest).values()].sort()).toEqual(exported);
  });

  it('names only declared functions from its modules', () => {
    const keys = new Set(handlerExports(manifest).keys());
    for (const [type, mods] of Object.entries(manifest.modules)) {
      // Functions are the declarations; the app's custom fields are plain strings with no code.
      if (type === 'function' || type === 'jira:customField') continue;
      for (const m of mods) {
        const fn = m.function ?? m.resolver?.function;
        expect({ module: m.key, fn, declared: fn !== undefined && keys.has(fn) }).toEqual({ module: m.key, fn, declared: true });
      }
    }
  });

  it('wires each Custom UI module to the resolver that defines its page’s names', () => {
    const byKey = (type: string) => manifest.modules[type]?.[0];
    expect(handlerExports(manifest).get(byKey('jira:issuePanel')?.resolver?.function ?? '')).toBe('panelResolver');
    expect(handlerExports(manifest).get(byKey('jira:adminPage')?.resolver?.function ?? '')).toBe('adminResolver');
    expect(byKey('jira:issuePanel')?.resource).toBe('issue-panel');
    expect(byKey('jira:adminPage')?.resource).toBe('admin');
    // The fleet: the global page (Jira admins) and the project settings page share one page and resolver.
    for (const type of ['jira:globalPage', 'jira:projectSettingsPage', 'jira:dashboardGadget']) {
      expect(handlerExports(manifest).get(byKey(type)?.resolver?.function ?? '')).toBe('fleetResolver');
      expect(byKey(type)?.resource).toBe('fleet');
    }
    expect(fleetNames.every((n) => n.startsWith('fleet.'))).toBe(true);
  });

  it('ships one custom field per request role, with the keys the code looks for', () => {
    expect(manifest.modules['jira:customField']?.map((f) => f.key).sort()).toEqual(Object.values(APP_FIELD_KEYS).sort());
  });

  it('listens to issue updates, and the queue and web trigger keys match the code', () => {
    expect(manifest.modules.trigger?.[0]?.events).toEqual(['avi:jira:updated:issue']);
    expect(manifest.modules.consumer?.map((c) => c.queue)).toEqual([RETRY_QUEUE_KEY]);
    expect(manifest.modules.webtrigger?.map((w) => w.key)).toEqual([LIFECYCLE_WEBTRIGGER_KEY]);
  });
});

describe('contract ↔ resolver definitions ↔ pages', () => {
  it('defines every name of the contract table, panel names on the panel and admin names on the admin page', () => {
    const all = Object.values(R);
    expect([...panelNames, ...adminNames, ...fleetNames].sort()).toEqual([...all].sort());
    expect(panelNames.every((n) => n.startsWith('panel.'))).toBe(true);
    expect(adminNames.every((n) => n.startsWith('admin.'))).toBe(true);
  });

  const pageFiles = files(join(ROOT, 'static'), /\.(ts|tsx|js|jsx)$/).filter((f) => !f.includes('/test/') && !f.endsWith('.config.ts'));
  const usage = pageFiles.map((f) => ({ path: relative(ROOT, f), text: readFileSync(f, 'utf8') }));

  it('every invoke() in static/ names a defined resolver, literally or through the contract wrapper', () => {
    const names = new Set([...panelNames, ...adminNames, ...fleetNames]);
    let seen = 0;
    for (const { path, text } of usage) {
      for (const m of text.matchAll(/\binvoke\s*(?:<[^>]*>)?\(\s*([^,)]+)/g)) {
        seen++;
        const arg = (m[1] ?? '').trim();
        const literal = /^['"`]([^'"`]+)['"`]$/.exec(arg);
        if (literal) expect({ path, name: literal[1], defined: names.has(literal[1] ?? '') }).toEqual({ path, name: literal[1], defined: true });
        else expect({ path, arg, typedWrapper: /\bname: N\b|ResolverName/.test(text) }).toEqual({ path, arg, typedWrapper: true });
      }
    }
    // Pages exist in this repository: a scan that finds no invoke() at all would prove nothing.
    if (usage.length > 0) expect(seen).toBeGreaterThan(0);
  });

  it('every R.<name> a page uses exists and belongs to that page’s resolver', () => {
    const used = new Set<string>();
    for (const { path, text } of usage) {
      for (const m of text.matchAll(/\bR\.(\w+)/g)) {
        used.add(m[1] ?? '');
        const member = m[1] as keyof typeof R;
        const name = R[member];
        expect({ path, member, exists: name !== undefined }).toEqual({ path, member, exists: true });
        if (path.includes('issue-panel')) expect({ path, name, onPanel: panelNames.includes(name) }).toEqual({ path, name, onPanel: true });
        if (path.includes('/admin/')) expect({ path, name, onAdmin: adminNames.includes(name) }).toEqual({ path, name, onAdmin: true });
        if (path.includes('/fleet/')) expect({ path, name, onFleet: fleetNames.includes(name) }).toEqual({ path, name, onFleet: true });
      }
    }
    if (usage.length > 0) expect(used.size).toBeGreaterThan(0);
  });
});

describe('how the backend calls the platform', () => {
  it('every requestJira goes through asUser() or asApp() with a route-tagged path', () => {
    const callers = sourceFiles.filter((f) => /\brequestJira\s*\(/.test(f.text));
    expect(callers.map((f) => f.path)).toEqual(['src/adapters/jira-client.ts']);
    for (const { path, text } of callers) {
      for (const m of text.matchAll(/([\w.()]+)\.requestJira\s*\(\s*([^,)]+)/g)) {
        expect({ path, receiver: m[1] }).toEqual({ path, receiver: 'requester' });
        expect(text).toMatch(/const requester = actor === 'user' \? asUser\(\) : asApp\(\);/);
        expect({ path, arg: m[2], literal: /^['"`]/.test((m[2] ?? '').trim()) }).toEqual({ path, arg: m[2], literal: false });
      }
    }
  });

  it('every Jira REST path in src is built with the route tag', () => {
    for (const { path, text } of sourceFiles) {
      for (const m of text.matchAll(/(.{0,6})`\/rest\/api\//g)) {
        expect({ path, tag: m[1]?.endsWith('route') }).toEqual({ path, tag: true });
      }
      expect({ path, plain: /['"]\/rest\/api\//.test(text) }).toEqual({ path, plain: false });
    }
  });

  it('uses @forge/kvs only with the storage:app scope', () => {
    const usesKvs = sourceFiles.some((f) => f.text.includes("from '@forge/kvs'"));
    expect(usesKvs).toBe(true);
    expect(manifest.permissions.scopes).toContain('storage:app');
  });

  it('keeps @forge/* and I/O out of src/contract and src/domain', () => {
    for (const { path, text } of sourceFiles.filter((f) => f.path.startsWith('src/domain/') || f.path.startsWith('src/contract/'))) {
      const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1] ?? '');
      const foreign = imports.filter((i) => !i.startsWith('.') && i !== 'zod' && i !== 'node:crypto');
      expect({ path, foreign }).toEqual({ path, foreign: [] });
    }
  });
});
