import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTEXT_KEYS, readConfig } from '../../infra-cdk/lib/config';
import { layeredContext, loadStageSettings, stackNameOf } from '../../infra-cdk/lib/deploy-settings';

/** Deployment settings: one committed file per stage, so a later deploy cannot silently lose a value. */

const cli = (values: Record<string, unknown>) => ({ tryGetContext: (k: string) => values[k] });

function stageDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'stage-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('deployment settings per stage (infra-cdk/config/<stage>.json)', () => {
  it('the committed default stage is valid and gives the documented defaults', () => {
    const s = loadStageSettings('default');
    expect(readConfig(layeredContext(cli({}), s).context)).toEqual(readConfig(cli({})));
    expect(Object.keys(s.values).every((k) => (CONTEXT_KEYS as string[]).includes(k))).toBe(true);
  });

  it('a second deploy without -c keeps what the file says (the Lifecycle events URL is not lost)', () => {
    const dir = stageDir({ 'prod.json': JSON.stringify({ egress: 'endpoints', allowedInstanceTypes: ['t3.large'], webtriggerUrl: 'https://x.example/hook' }) });
    const first = readConfig(layeredContext(cli({}), loadStageSettings('prod', dir)).context);
    expect(first).toMatchObject({ vpc: { kind: 'create', egress: 'endpoints' }, allowedInstanceTypes: ['t3.large'], webtriggerUrl: 'https://x.example/hook' });
  });

  it('-c overrides the file for one command and is reported', () => {
    const dir = stageDir({ 'prod.json': JSON.stringify({ egress: 'endpoints' }) });
    const { context, overridden } = layeredContext(cli({ egress: 'nat', stage: 'prod' }), loadStageSettings('prod', dir));
    expect(overridden).toEqual(['egress']);
    expect(readConfig(context).vpc).toEqual({ kind: 'create', egress: 'nat' });
  });

  it.each([
    ['a missing stage file', {}, 'staging', /no settings for stage "staging"/],
    ['an unknown key (a typo)', { 'staging.json': '{"egres":"nat"}' }, 'staging', /unknown setting\(s\) "egres"/],
    ['broken JSON', { 'staging.json': '{egress:' }, 'staging', /not valid JSON/],
    ['an array', { 'staging.json': '[]' }, 'staging', /one JSON object/],
    ['a stage name that is not a file name', {}, '../etc', /must be lower-case/],
  ])('refuses %s, naming the file or key', (_what, files, stage, message) => {
    expect(() => loadStageSettings(stage, stageDir(files))).toThrow(message);
  });

  it('names one stack per stage', () => {
    expect(stackNameOf('default')).toBe('DevVmForJira');
    expect(stackNameOf('staging')).toBe('DevVmForJira-staging');
  });
});
