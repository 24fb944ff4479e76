import { validate } from '@forge/manifest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUPPORTED_REGIONS, egressAddressFor } from '../../src/domain/egress';
import { ROOT, readManifest } from './manifest-helpers';

/**
 * Offline validation of manifest.yml with @forge/manifest (the validator `forge lint` and
 * `forge deploy` run before anything else). It needs the Custom UI resources to exist, so the
 * test works on a copy: the real build output when static/ has been built, else a one-line
 * index.html per resource. Errors fail the test; warnings are printed.
 */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'devvm-manifest-'));
  cpSync(join(ROOT, 'manifest.yml'), join(dir, 'manifest.yml'));
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  mkdirSync(join(dir, 'src'));
  cpSync(join(ROOT, 'src/index.ts'), join(dir, 'src/index.ts'));
  for (const r of readManifest().resources) {
    const built = join(ROOT, r.path, 'index.html');
    mkdirSync(join(dir, r.path), { recursive: true });
    if (existsSync(built)) cpSync(join(ROOT, r.path), join(dir, r.path), { recursive: true });
    else writeFileSync(join(dir, r.path, 'index.html'), '<!doctype html><title>placeholder for validation</title>');
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function validateIn(cwd: string) {
  const before = process.cwd();
  process.chdir(cwd);
  try {
    return await validate(false, join(cwd, 'manifest.yml'));
  } finally {
    process.chdir(before);
  }
}

describe('manifest.yml', () => {
  it('passes @forge/manifest full validation with no errors', async () => {
    const result = await validateIn(dir);
    const errors = (result.errors ?? []).filter((e) => e.level === 'error');
    const warnings = (result.errors ?? []).filter((e) => e.level !== 'error');
    if (warnings.length) console.warn(`manifest warnings:\n${warnings.map((w) => `  ${w.message}`).join('\n')}`);
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(result.success).toBe(true);
  });

  it('is really checked: a missing resource or an unknown scope is an error', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'devvm-manifest-broken-'));
    try {
      cpSync(dir, broken, { recursive: true });
      const text = readFileSync(join(broken, 'manifest.yml'), 'utf8');
      writeFileSync(join(broken, 'manifest.yml'), text.replace('- storage:app', '- storage:everything'));
      rmSync(join(broken, 'static/build/admin'), { recursive: true, force: true });
      const result = await validateIn(broken);
      const messages = (result.errors ?? []).filter((e) => e.level === 'error').map((e) => e.message).join('\n');
      expect(messages).toMatch(/storage:everything/);
      expect(messages).toMatch(/static\/build\/admin/);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  it('asks for the least scopes: Jira work read/write, user search (identity map) and app storage only', () => {
    expect(readManifest().permissions.scopes.sort()).toEqual(['read:jira-user', 'read:jira-work', 'storage:app', 'write:jira-work']);
  });

  it('allows egress exactly to the Lambda function URLs of the supported regions', () => {
    const backend = readManifest().permissions.external?.fetch?.backend ?? [];
    expect(backend.map((b) => (typeof b === 'string' ? b : b.address))).toEqual(SUPPORTED_REGIONS.map(egressAddressFor));
  });

  it('declares the web trigger with urlFormat v2 (issue 12 item 7)', () => {
    const triggers = readManifest().modules.webtrigger as unknown as { key: string; urlFormat?: string }[];
    expect(triggers.map((t) => [t.key, t.urlFormat])).toEqual([['lifecycle-events', 'v2']]);
  });

  it('runs on a current Node.js runtime', () => {
    expect(readManifest().app.runtime.name).toBe('nodejs22.x');
  });

  it('serves the Custom UI from the folders the static build writes', () => {
    expect(readManifest().resources).toEqual([
      { key: 'issue-panel', path: 'static/build/issue-panel' },
      { key: 'admin', path: 'static/build/admin' },
      { key: 'fleet', path: 'static/build/fleet' },
    ]);
  });
});
