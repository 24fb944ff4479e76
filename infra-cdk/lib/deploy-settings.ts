import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTEXT_KEYS } from './config';

/**
 * Deployment settings live in one committed file per stage, `infra-cdk/config/<stage>.json`
 * (`default` unless `-c stage=…` or DEV_VM_STAGE names another), so every `cdk deploy` of that
 * stage uses the same values. `-c key=value` still overrides a setting for one command, but CDK
 * does not save it: the next deploy without it silently goes back to the file. That is why the
 * deploy guide never uses `-c` for settings, and why the app prints which keys were overridden.
 */

export const CONFIG_DIR = join(__dirname, '..', 'config');
const STAGE = /^[a-z][a-z0-9-]{0,30}$/;

export interface StageSettings {
  stage: string;
  file: string;
  values: Readonly<Record<string, unknown>>;
}

/** Reads and checks `config/<stage>.json`: an object whose keys are all known settings. */
export function loadStageSettings(stage: string, dir = CONFIG_DIR): StageSettings {
  if (!STAGE.test(stage)) throw new Error(`stage "${stage}" must be lower-case letters, digits and hyphens (it names config/<stage>.json)`);
  const file = join(dir, `${stage}.json`);
  if (!existsSync(file)) throw new Error(`no settings for stage "${stage}": create ${file} (copy config/default.json)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file} must hold one JSON object of settings`);
  const known = new Set<string>(CONTEXT_KEYS);
  const unknown = Object.keys(parsed).filter((k) => !known.has(k) && k !== '$comment');
  if (unknown.length > 0) throw new Error(`${file}: unknown setting(s) ${unknown.map((k) => `"${k}"`).join(', ')}; known: ${[...known].join(', ')}`);
  return { stage, file, values: parsed as Record<string, unknown> };
}

export interface ContextSource {
  tryGetContext(key: string): unknown;
}

/** A context where `-c` wins over the stage file; `overridden` lists the keys `-c` set. */
export function layeredContext(cli: ContextSource, settings: StageSettings): { context: ContextSource; overridden: string[] } {
  const overridden = CONTEXT_KEYS.filter((k) => cli.tryGetContext(k) !== undefined);
  return {
    overridden,
    context: { tryGetContext: (key: string) => cli.tryGetContext(key) ?? settings.values[key] },
  };
}

/** Stack name of a stage: `DevVmForJira` for the default stage, `DevVmForJira-<stage>` otherwise. */
export const stackNameOf = (stage: string): string => (stage === 'default' ? 'DevVmForJira' : `DevVmForJira-${stage}`);
