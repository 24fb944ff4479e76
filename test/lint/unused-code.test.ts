import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * knip's rules (knip.jsonc, `npm run lint:unused`) are live: in a scratch tree laid out like the
 * repository's three workspaces and checked with the repository's own knip.jsonc, a planted unused
 * file, unused export and unused dependency each fail the same command, and the same tree without
 * them passes. The tree is a dozen one-line files, so knip takes about a second.
 */

const ROOT = join(__dirname, '../..');
const KNIP = join(ROOT, 'node_modules/knip/bin/knip.js');

function knip(files: Record<string, string>): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'knip-'));
  try {
    copyFileSync(join(ROOT, 'knip.jsonc'), join(dir, 'knip.jsonc'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    try {
      const output = execFileSync(process.execPath, [KNIP, '--no-progress', '--no-config-hints'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
      return { ok: true, output };
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const manifest = (deps: Record<string, string>) => JSON.stringify({ name: 'scratch', private: true, version: '0.0.0', workspaces: ['infra-cdk', 'static'], dependencies: deps });

// One file per entry kind knip.jsonc names, each used the way the repository uses it.
const base: Record<string, string> = {
  'package.json': manifest({ zod: '4.0.0' }),
  'infra-cdk/package.json': JSON.stringify({ name: 'infra-cdk', private: true, version: '0.0.0' }),
  'static/package.json': JSON.stringify({ name: 'static', private: true, version: '0.0.0' }),
  'src/index.ts': "import * as z from 'zod';\nimport { key } from './domain/key';\nexport const handler = z.string().parse(key);\n",
  'src/domain/key.ts': "export const key = 'OPS-1';\n",
  'local/aws/main.ts': "import { key } from '../../src/domain/key';\nexport const main = key;\n",
  'local/browser/test-bridge.ts': 'export const bridge = 1;\n',
  'scripts/start.ts': "import { main } from '../local/aws/main';\nconsole.log(main);\n",
  'test/key.test.ts': "import { handler } from '../src/index';\ntest('key', () => expect(handler).toBe('OPS-1'));\n",
  'infra-cdk/bin/app.ts': "import { limit } from '../lib/limits';\nexport const app = limit;\n",
  'infra-cdk/lib/limits.ts': 'export const limit = 1;\n',
  'infra-cdk/lambda/vm-api/handler.ts': "import { limit } from '../../lib/limits';\nexport const handler = limit;\n",
  'static/src/admin/main.tsx': "import { title } from '../shared/title';\nexport const page = title;\n",
  'static/src/shared/title.ts': "export const title = 'Dev VM';\n",
};

describe('unused code rules (npm run lint:unused)', () => {
  it('accept a tree where everything is used', () => {
    expect(knip(base)).toEqual({ ok: true, output: '' });
  });

  it('refuse an unused file, an unused export and an unused dependency, naming each', () => {
    const r = knip({
      ...base,
      'package.json': manifest({ zod: '4.0.0', 'left-pad': '1.3.0' }),
      'src/domain/orphan.ts': 'export const orphan = 1;\n',
      'src/domain/key.ts': "export const key = 'OPS-1';\nexport const unusedKey = 'OPS-2';\n",
      'static/src/shared/stale.ts': 'export const stale = 1;\n',
    });
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/Unused files \(2\)[\s\S]*src\/domain\/orphan\.ts/);
    expect(r.output).toMatch(/static\/src\/shared\/stale\.ts/);
    expect(r.output).toMatch(/Unused dependencies \(1\)\s+left-pad\s+package\.json/);
    expect(r.output).toMatch(/Unused exports \(1\)\s+unusedKey\s+src\/domain\/key\.ts/);
  });
});
