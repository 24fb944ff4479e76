import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of manifest.yml the wiring tests read. */
export interface Manifest {
  modules: Record<string, { key: string; function?: string; resource?: string; resolver?: { function: string }; queue?: string; events?: string[] }[]>;
  resources: { key: string; path: string }[];
  permissions: { scopes: string[]; external?: { fetch?: { backend?: ({ address: string } | string)[] } } };
  app: { id: string; runtime: { name: string } };
}

export const ROOT = join(__dirname, '../..');
export const readManifest = (): Manifest => load(readFileSync(join(ROOT, 'manifest.yml'), 'utf8')) as Manifest;

/** Function key → handler export name (`index.panelResolver` → `panelResolver`). */
export function handlerExports(m: Manifest): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of m.modules.function ?? []) {
    const handler = (f as unknown as { handler: string }).handler;
    const [file, name] = handler.split('.');
    if (file !== 'index' || !name) throw new Error(`handler ${handler} must be index.<export>`);
    out.set(f.key, name);
  }
  return out;
}
