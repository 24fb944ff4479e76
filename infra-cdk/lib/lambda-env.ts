import type * as z from 'zod';

/**
 * The variables a function's env schema (lambda/shared/env.ts) declares, minus AWS_REGION, which
 * Lambda sets itself and reserves. Mapping over the schema's keys makes a variable added to the
 * contract a compile error here until the stack sets it; `undefined` leaves an optional one unset.
 */
export type EnvFor<S extends z.ZodObject> = { [K in Exclude<keyof S['shape'], 'AWS_REGION'> & string]: string | undefined };

export function toEnvironment(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
