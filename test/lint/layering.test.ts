import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The layering rules of .dependency-cruiser.cjs are live: in a scratch tree laid out like the
 * repository, each planted violation is refused by the same command `npm run lint` runs, and the
 * same tree without it passes.
 */

const ROOT = join(__dirname, '../..');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

function cruise(files: Record<string, string>): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'layers-'));
  try {
    copyFileSync(join(ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const roots = [...new Set(Object.keys(files).map((p) => p.split('/')[0] as string))];
    try {
      const output = execFileSync(process.execPath, [DEPCRUISE, ...roots, '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
      return { ok: true, output };
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const base: Record<string, string> = {
  'src/contract/names.ts': "export const n = 1;\n",
  'src/domain/plan.ts': "import { n } from '../contract/names';\nexport const p = n;\n",
  'src/adapters/log.ts': "import { p } from '../domain/plan';\nexport const l = p;\n",
  'src/handlers/h.ts': "import { l } from '../adapters/log';\nexport const h = l;\n",
  'static/src/ui.ts': "import { p } from '../../src/domain/plan';\nexport const u = p;\n",
  'infra-cdk/lambda/x.ts': "import { n } from '../../src/contract/names';\nexport const x = n;\n",
  'local/site.ts': "import { h } from '../src/handlers/h';\nexport const s = h;\n",
  'test/t.ts': "import { s } from '../local/site';\nexport const t = s;\n",
};

describe('layering rules (npm run lint)', () => {
  it('accept the layers as they are meant to be', () => {
    expect(cruise(base)).toEqual({ ok: true, output: expect.stringContaining('no dependency violations') });
  });

  // One run with every violation planted (depcruise takes seconds to start); each must be named
  // with its own rule and file.
  const violations: [rule: string, path: string, text: string][] = [
    ['domain-is-pure', 'src/domain/bad.ts', "import { l } from '../adapters/log';\nexport const b = l;\n"],
    ['adapters-below-handlers', 'src/adapters/bad.ts', "import { h } from '../handlers/h';\nexport const b = h;\n"],
    ['contract-only-zod', 'src/contract/bad.ts', "import { p } from '../domain/plan';\nexport const b = p;\n"],
    ['ui-not-server', 'static/src/bad.ts', "import { h } from '../../src/handlers/h';\nexport const b = h;\n"],
    ['lambdas-not-forge', 'infra-cdk/lambda/bad.ts', "import { l } from '../../src/adapters/log';\nexport const b = l;\n"],
    ['product-not-local-or-scripts', 'src/handlers/bad.ts', "import { s } from '../../local/site';\nexport const b = s;\n"],
    ['nothing-imports-test', 'local/bad.ts', "import { t } from '../test/t';\nexport const b = t;\n"],
    ['no-circular', 'src/domain/cycle-a.ts', "import { b } from './cycle-b';\nexport const a = 1 + b;\n"],
  ];

  it('refuse each planted violation, naming its rule and file', () => {
    const planted = Object.fromEntries(violations.map(([, path, text]) => [path, text]));
    planted['src/domain/cycle-b.ts'] = "import { a } from './cycle-a';\nexport const b = a;\n";
    const r = cruise({ ...base, ...planted });
    expect(r.ok).toBe(false);
    const named = violations.filter(([rule, path]) => !new RegExp(`${rule}: ${path.replace(/[.]/g, '\\.')}`).test(r.output));
    expect(named).toEqual([]);
  });
});
