import { IdlePolicy } from '../contract/idle-policy';
import type { Settings } from '../contract/settings';

/**
 * The policy the reconciler is sent: the admin page's idle and stop rules with the policy's idle
 * days (kept in `policy.idleDays`, where the admin page has always shown it: one place for it).
 */
export function idlePolicyOf(settings: Pick<Settings, 'policy' | 'idle'>): IdlePolicy {
  return { idleDays: settings.policy.idleDays, ...settings.idle };
}

/** The first problem of a policy, as the settings path the admin page marks (`idle.idleWarningDays`, `policy.idleDays`). */
export function idlePolicyProblem(settings: Pick<Settings, 'policy' | 'idle'>): { field: string; message: string } | undefined {
  const r = IdlePolicy.safeParse(idlePolicyOf(settings));
  if (r.success) return undefined;
  const issue = r.error.issues[0];
  const key = String(issue?.path[0] ?? 'idleDays');
  return { field: key === 'idleDays' ? 'policy.idleDays' : `idle.${key}`, message: issue?.message ?? 'is not valid' };
}
