import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { synth } from '../infra/support';

/**
 * One name per thing (issue 14, item 8), in every text a person reads: the READMEs, the settings
 * page and its resolver's words, comments, and the stack's outputs and resource descriptions.
 *   - the app's web trigger URL is the "Lifecycle events URL";
 *   - the HMAC key the stack signs events with is the "Lifecycle events signing secret";
 *   - the page for Jira administrators is the "Dev VM settings page" (Jira settings → Apps → Dev VM settings).
 * The names they replaced must not come back.
 */

const ROOT = join(__dirname, '../..');
const RETIRED: [string, RegExp][] = [
  ['web trigger URL', /\bweb ?trigger URL\b/i],
  ['another signing secret name', /\b(web ?trigger|event|callback|HMAC) signing secret\b|signing secret \(HMAC\)/i],
  ['HMAC key', /\bHMAC key\b/i],
  ['Forge admin page', /\bForge admin page\b/i],
];
/** Only in prose (docs, stack descriptions): in code these words are identifiers (React's useCallback, Chart.js's `callback`). */
const RETIRED_IN_PROSE: [string, RegExp][] = [
  ['callback', /\bcallback\b/i],
  ['admin page', /\badmin page\b/i],
];

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const rel = join(dir, name);
    if (/node_modules|build|cdk\.out|\.json$/.test(name)) return [];
    return statSync(join(ROOT, rel)).isDirectory() ? files(rel, ext) : ext.test(name) ? [rel] : [];
  });
}

function hits(text: string, list: [string, RegExp][]): string[] {
  return text.split('\n').flatMap((line, i) => list.filter(([, re]) => re.test(line)).map(([name]) => `${i + 1}: ${name}: ${line.trim().slice(0, 120)}`));
}

const DOCS = ['README.md', 'infra-cdk/README.md'];
const CODE = [...files('static/src', /\.tsx?$/), ...files('src', /\.ts$/), ...files('infra-cdk/lib', /\.ts$/), ...files('infra-cdk/lambda', /\.ts$/), ...files('scripts', /\.ts$/), ...files('local', /\.ts$/)];

describe('one name per thing', () => {
  it.each(DOCS)('%s uses the current names only', (file) => {
    expect(hits(readFileSync(join(ROOT, file), 'utf8'), [...RETIRED, ...RETIRED_IN_PROSE])).toEqual([]);
  });

  it('the code, its comments and the settings page use the current names only', () => {
    expect(CODE.length).toBeGreaterThan(50);
    const found = CODE.flatMap((f) => hits(readFileSync(join(ROOT, f), 'utf8'), RETIRED).map((h) => `${relative(ROOT, join(ROOT, f))}:${h}`));
    expect(found).toEqual([]);
  });

  it('the stack’s outputs and resource descriptions use the current names, and name the settings page', () => {
    const { json } = synth();
    const descriptions = [
      ...Object.values(json.Outputs ?? {}).map((o) => String((o as { Description?: string }).Description ?? '')),
      ...Object.values(json.Resources).map((r) => String(r.Properties?.['Description'] ?? '')),
    ].filter(Boolean);
    expect(descriptions.flatMap((d) => hits(d, [...RETIRED, ...RETIRED_IN_PROSE]))).toEqual([]);
    const outputs = (json.Outputs ?? {}) as unknown as Record<string, { Description: string }>;
    expect(outputs.HmacSecretName?.Description).toBe('Secret with the Lifecycle events signing secret (Dev VM settings page: Lifecycle events signing secret)');
    expect(outputs.WebtriggerUrlParameterName?.Description).toContain('Lifecycle events URL');
    for (const key of ['ApiUrl', 'Region', 'ForgeAccessKeySecretName']) expect(outputs[key]?.Description).toContain('Dev VM settings page');
  });

  it('the settings page labels the two with the same names', () => {
    const page = readFileSync(join(ROOT, 'static/src/admin/connection-section.tsx'), 'utf8');
    expect(page).toContain('label="Lifecycle events signing secret"');
    expect(page).toContain('Lifecycle events URL (give it to the stack as webtriggerUrl)');
  });
});
