import Ajv, { type ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';

/**
 * Atlassian's own ADF JSON schema (shipped by @atlaskit/adf-schema as
 * dist/json-schema/v1/full.json, draft-04). Ajv 8 reads it once its `$schema` line is dropped:
 * the schema uses no draft-04-only keyword (no boolean exclusiveMinimum/Maximum, no `id`).
 */
let validator: ValidateFunction | undefined;

function load(): ValidateFunction {
  if (validator) return validator;
  const path = require.resolve('@atlaskit/adf-schema/dist/json-schema/v1/full.json');
  const schema = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  delete schema.$schema;
  validator = new Ajv({ strict: false, allErrors: true }).compile(schema);
  return validator;
}

/** Problems of an ADF document against the published schema; empty when it is valid. */
export function adfProblems(doc: unknown): string[] {
  const validate = load();
  if (validate(doc)) return [];
  return (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
