import { Schedule, type ScheduleInput } from '../../../src/contract/schedule';

export type ScheduleErrors = Partial<Record<'start' | 'stop' | 'timezone' | 'days' | 'form', string>>;

/** The schedule as the contract validates it, so the page rejects exactly what the backend would. */
export function validateSchedule(input: ScheduleInput): { ok: true; schedule: Schedule } | { ok: false; errors: ScheduleErrors } {
  const parsed = Schedule.safeParse(input);
  if (parsed.success) return { ok: true, schedule: parsed.data };
  const errors: ScheduleErrors = {};
  for (const issue of parsed.error.issues) {
    const key = (issue.path[0] as keyof ScheduleErrors | undefined) ?? 'form';
    errors[key] ??= issue.message;
  }
  return { ok: false, errors };
}
