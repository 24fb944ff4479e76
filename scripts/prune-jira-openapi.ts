/**
 * Writes local/jira-openapi.json: the part of Atlassian's Jira Cloud platform REST v3 OpenAPI
 * document that the app and the local platform use (the operations listed below and every schema
 * they reach through `$ref`), so the Jira stand-in, the tests and the preview need nothing outside
 * the repository.
 *
 *   npm run jira-openapi -- <full spec>   # default: ../shared/jira-platform-openapi.json
 *
 * The full document is published by Atlassian at JIRA_OPENAPI_SOURCE below; download it, run this
 * script on it and commit the result to refresh the copy. A test (test/local/jira-openapi.test.ts)
 * checks that every Jira call in src/ has its operation here.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { JIRA_OPENAPI_SOURCE, PRUNED_SPEC_PATH, USED_OPERATIONS, pruneSpec, type FullSpec } from '../local/jira-openapi-prune';

function main(): void {
  const input = resolve(process.argv[2] ?? join(__dirname, '../../shared/jira-platform-openapi.json'));
  if (!existsSync(input)) {
    console.error(`prune-jira-openapi: ${input} not found. Download ${JIRA_OPENAPI_SOURCE} and pass its path.`);
    process.exit(1);
  }
  const full = JSON.parse(readFileSync(input, 'utf8')) as FullSpec;
  const pruned = pruneSpec(full, USED_OPERATIONS, new Date().toISOString().slice(0, 10));
  writeFileSync(PRUNED_SPEC_PATH, JSON.stringify(pruned, null, 1) + '\n');
  const schemas = Object.keys(pruned.components.schemas).length;
  console.log(`prune-jira-openapi: ${USED_OPERATIONS.length} operations, ${schemas} schemas → ${PRUNED_SPEC_PATH}`);
}

main();
