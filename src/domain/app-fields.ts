import type { FieldRole, Settings } from '../contract/settings';

/**
 * The app ships its own request fields (`jira:customField` modules in manifest.yml), so a new
 * site needs no manual field setup: a role the admin has not mapped defaults to the app's field.
 * Jira lists a Forge field in GET /rest/api/3/field with `schema.custom` =
 * `ari:cloud:ecosystem::extension/{app id}/{environment id}/static/{module key}`. The whole key is
 * matched: with the app's development and production environments installed on one site, the
 * module key alone would pick whichever environment's field Jira lists first.
 */
export const APP_FIELD_KEYS: Record<FieldRole, string> = {
  client: 'dev-vm-client',
  developer: 'dev-vm-developer',
  instanceType: 'dev-vm-instance-type',
  os: 'dev-vm-os',
  start: 'dev-vm-start',
  stop: 'dev-vm-stop',
  timezone: 'dev-vm-timezone',
  days: 'dev-vm-days',
  costCenter: 'dev-vm-cost-center',
};

export interface ListedField {
  id: string;
  schema?: { custom?: string | undefined } | undefined;
}

/** The running app and environment (from the Forge runtime's app context). */
export interface AppEnvironment {
  appId: string;
  environmentId: string;
}

/** `schema.custom` of this environment's field for a `jira:customField` module key. */
export const appFieldTypeKey = (env: AppEnvironment, moduleKey: string): string => `ari:cloud:ecosystem::extension/${env.appId}/${env.environmentId}/static/${moduleKey}`;

/** This environment's own fields present on the site, by role. */
export function discoverAppFields(fields: readonly ListedField[], env: AppEnvironment): Settings['fields'] {
  const out: Settings['fields'] = {};
  for (const [role, key] of Object.entries(APP_FIELD_KEYS) as [FieldRole, string][]) {
    const wanted = appFieldTypeKey(env, key);
    const hit = fields.find((f) => f.schema?.custom === wanted);
    if (hit) out[role] = hit.id;
  }
  return out;
}

/** The admin's mapping wins; unmapped roles fall back to the app's fields. */
export function effectiveMapping(saved: Settings['fields'], discovered: Settings['fields']): Settings['fields'] {
  return { ...discovered, ...Object.fromEntries(Object.entries(saved).filter(([, v]) => v !== undefined)) };
}

export const allRolesMapped = (mapping: Settings['fields']): boolean => (Object.keys(APP_FIELD_KEYS) as FieldRole[]).every((r) => mapping[r] !== undefined);
