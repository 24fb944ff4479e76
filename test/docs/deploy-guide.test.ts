import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { CONTEXT_KEYS } from '../../infra-cdk/lib/config';
import { loadStageSettings } from '../../infra-cdk/lib/deploy-settings';
import { synth, type TemplateJson } from '../infra/support';

/**
 * The deploy guide, followed as a reader would: every command, file, setting, stack output, secret
 * and Jira name it mentions exists in the code and the synthesized template, and no step asks for
 * something a later step makes.
 */

const ROOT = join(__dirname, '../..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no section "## ${heading}"`);
  const end = markdown.indexOf('\n## ', start + 4);
  return markdown.slice(start, end < 0 ? undefined : end);
}
const codeSpans = (text: string): string[] => [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] as string);

const guide = section(read('README.md'), 'Deploy');
const stackGuide = section(read('infra-cdk/README.md'), 'Deploy');
const settingsTable = section(read('infra-cdk/README.md'), 'Deployment settings');
const spans = [...codeSpans(guide), ...codeSpans(stackGuide)];

interface Manifest {
  modules: { 'jira:adminPage': { title: string }[]; 'jira:customField': { name: string }[] };
}
const manifest = load(read('manifest.yml')) as Manifest;

describe('the deploy guide (README "Deploy" and infra-cdk/README.md)', () => {
  let template: TemplateJson;
  beforeAll(() => {
    template = synth().json;
  });

  it('names only npm scripts that exist, in the package it runs them in', () => {
    const root = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const named = spans.flatMap((s) => [...s.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1] as string));
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((n) => !(n in root))).toEqual([]);
  });

  it('deploys with the CDK CLI the infra-cdk package installs, and never passes settings with -c', () => {
    const infra = JSON.parse(read('infra-cdk/package.json')) as { devDependencies?: Record<string, string>; dependencies?: Record<string, string> };
    expect({ ...infra.dependencies, ...infra.devDependencies }).toHaveProperty('aws-cdk');
    const cdk = spans.filter((s) => /\bcdk (deploy|bootstrap|synth)\b/.test(s));
    expect(cdk.length).toBeGreaterThanOrEqual(2);
    expect(cdk.filter((s) => /\s-c\s/.test(s))).toEqual([]);
  });

  it('names only files and folders of the repository', () => {
    // A path: a file name with an extension, or folders ending in "/" (not a zone such as Europe/Berlin).
    const paths = spans.filter((s) => !/[<>\s…*]/.test(s) && /^([\w.-]+\/)*[\w-]+\.(json|yml|ts|sh|md)$|^([\w.-]+\/)+$/.test(s));
    expect(paths.length).toBeGreaterThan(3);
    const exists = (p: string) => existsSync(join(ROOT, p)) || existsSync(join(ROOT, 'infra-cdk', p));
    expect(paths.filter((p) => !exists(p))).toEqual([]);
  });

  it('names only stack outputs the template has', () => {
    const outputs = Object.keys(template.Outputs ?? {});
    const named = [...new Set(spans.flatMap((s) => [...s.matchAll(/(?:^|<)([A-Z][a-z]+(?:[A-Z][a-z]+)*(?:Url|SecretName|GroupName|ParameterName|BucketName|BusName|Id|Endpoint)|Region)(?:$|>)/g)].map((m) => m[1] as string)))];
    expect(named).toEqual(expect.arrayContaining(['ApiUrl', 'Region', 'ForgeAccessKeySecretName', 'HmacSecretName', 'DeveloperGroupName']));
    expect(named.filter((n) => !outputs.includes(n))).toEqual([]);
  });

  it('names only settings the stage file and the schema know', () => {
    const quoted = [...guide.matchAll(/`"(\w+)"`/g), ...stackGuide.matchAll(/`"(\w+)"`/g)].map((m) => m[1] as string);
    expect(quoted).toContain('webtriggerUrl');
    expect(quoted.filter((k) => !(CONTEXT_KEYS as string[]).includes(k))).toEqual([]);
    expect(Object.keys(loadStageSettings('default').values)).toEqual(expect.arrayContaining(quoted));
  });

  it('documents every setting in the settings table, and nothing else', () => {
    const rows = [...settingsTable.matchAll(/^\| `([\w]+)`(?: \/ `([\w]+)`)? \|/gm)].flatMap((m) => [m[1], m[2]].filter((x): x is string => !!x));
    expect([...rows].sort()).toEqual([...CONTEXT_KEYS].sort());
  });

  it('names the secrets as the stack creates them', () => {
    const secretNames = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::SecretsManager::Secret')
      .map((r) => r.Properties?.['Name'])
      .filter((n): n is string => typeof n === 'string');
    const named = spans.flatMap((s) => [...s.matchAll(/--secret-id (dev-vm\/[\w/-]+)/g)].map((m) => m[1] as string));
    expect(named.filter((n) => !secretNames.includes(n))).toEqual([]);
  });

  it('names the admin page and the app fields as Jira shows them', () => {
    const admin = manifest.modules['jira:adminPage'][0]?.title as string;
    expect(guide).toContain(`*${admin}*`);
    const fields = manifest.modules['jira:customField'].map((f) => f.name);
    const jiraStep = guide.slice(guide.indexOf('**Jira project**'), guide.indexOf('**Settings page**'));
    const quotedFields = [...jiraStep.matchAll(/"(Dev VM [^"]+)"/g)].map((m) => m[1] as string).filter((n) => n !== 'Dev VM request');
    expect(quotedFields.sort()).toEqual([...fields].sort());
  });

  it('makes the workflow statuses and the app fields before the admin page asks for them', () => {
    const at = (text: string) => guide.indexOf(text);
    expect(at('**Jira project**')).toBeGreaterThan(at('**Forge app.**'));
    expect(at('**Settings page**')).toBeGreaterThan(at('**Jira project**'));
    expect(at('**AWS stack.**')).toBeLessThan(at('**Settings page**'));
  });
});
