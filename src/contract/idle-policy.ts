import * as z from 'zod';

/**
 * The idle and stop rules the reconciler applies to the whole fleet (issue 13), set on the admin
 * page and sent through the VM API (`PUT /policy`) into ONE SSM parameter (String, this JSON) that
 * the reconciler reads once per run. Without the parameter (never saved) or when it cannot be read,
 * the reconciler uses the stack's own values, which are DEFAULT_IDLE_POLICY unless the stack was
 * deployed with other idleDays/idleWarningDays. Bounds match the reconciler's environment
 * (infra-cdk/lambda/shared/env.ts), so a saved policy is always one the reconciler accepts.
 */

// The unit follows the number ("at most 1440 minutes"): the message sits under an input whose
// label already names the setting, and "minutes: at most 1440" read like a path.
const int = (min: number, max: number, what: string) => z.number({ message: 'must be a number' }).int('must be a whole number').min(min, `at least ${min} ${what}`).max(max, `at most ${max} ${what}`);

export const IdleRules = z
  .object({
    /** Days before termination that the idle warning is sent. */
    idleWarningDays: int(1, 30, 'days'),
    /** Minutes without a session or sustained CPU before a running VM is stopped; 0 = off. A VM's own setting overrides it. */
    idleStopMinutes: int(0, 1440, 'minutes').refine((m) => m === 0 || m >= 15, 'use 0 (off) or at least 15 minutes'),
    /** CPUUtilization (%) at or above which a 5-minute sample counts as busy. */
    cpuBusyPercent: z.number({ message: 'must be a number' }).min(1, 'at least 1 %').max(100, 'at most 100 %'),
    /** Consecutive busy minutes that make CPU count as activity (a boot spike does not). */
    cpuBusyMinutes: int(5, 240, 'minutes'),
    /** A busy VM's scheduled stop is checked again every this many minutes... */
    stopDeferStepMinutes: int(5, 240, 'minutes'),
    /** ...up to this many minutes after the scheduled stop; 0 = never defer. */
    stopDeferMaxMinutes: int(0, 720, 'minutes'),
  })
  .strict();
export type IdleRules = z.infer<typeof IdleRules>;

export const IdlePolicy = IdleRules.extend({
  /** Days without activity before a VM is terminated (its home directory and databases are kept). */
  idleDays: int(3, 365, 'days'),
})
  .strict()
  .refine((p) => p.idleWarningDays < p.idleDays, { message: 'the warning must come before the termination: fewer warning days than idle days', path: ['idleWarningDays'] });
export type IdlePolicy = z.infer<typeof IdlePolicy>;

export const DEFAULT_IDLE_RULES: IdleRules = {
  idleWarningDays: 3,
  idleStopMinutes: 60,
  cpuBusyPercent: 10,
  cpuBusyMinutes: 15,
  stopDeferStepMinutes: 30,
  stopDeferMaxMinutes: 180,
};
