/**
 * EC2 tag keys: the schedule lives on the instance itself, so the reconciler needs no
 * database and a person can read or fix a VM's schedule in the EC2 console.
 */
export const Tag = {
  Name: 'Name',
  ClientName: 'ClientName',
  DeveloperName: 'DeveloperName',
  Environment: 'Environment',
  AutoStart: 'AutoStart',
  AutoStop: 'AutoStop',
  Timezone: 'Timezone',
  AutoDays: 'AutoDays',
  /** `off` opts the instance out of scheduling. */
  AutoSchedule: 'AutoSchedule',
  /** ISO 8601 instant; stops are skipped until then ("keep running"). */
  KeepRunningUntil: 'KeepRunningUntil',
  /** Written by the reconciler when a schedule tag is malformed; removed once fixed. */
  ScheduleError: 'ScheduleError',
  JiraIssue: 'JiraIssue',
  ManagedBy: 'ManagedBy',
  CreatedAt: 'CreatedAt',
  /** The provision request's idempotency key, so a retry minutes later finds the same VM. */
  IdempotencyKey: 'DevVmIdempotencyKey',
  Os: 'DevVmOs',
  /**
   * Written by the VM itself during first boot (the only tag its role may write): `step:<step>`
   * while a step runs, then `ready` or `failed:<step>`. See src/domain/boot-status.ts.
   */
  BootStatus: 'DevVmBootStatus',
  /**
   * ISO 8601 instant the VM was parked (its issue closed or moved to a "stop" status): the
   * reconciler skips its schedule's starts while set; the working-hours tags are kept so removing
   * this one ("Unpark", reopening the issue) brings the schedule back as it was.
   */
  ParkedAt: 'DevVmParkedAt',
  /** Per-VM idle-stop override: minutes without activity before a running VM is stopped, or `off`. */
  IdleStopMinutes: 'DevVmIdleStopMinutes',
  /** ISO 8601 instant of the last "Keep this VM": the idle-teardown clock starts no earlier. */
  KeptAt: 'DevVmKeptAt',
  /**
   * Written by the reconciler while a scheduled stop waits because the VM is busy:
   * `<ISO instant> [session] [cpu]` (src/domain/stop-deferral.ts); removed when it stops or is quiet.
   */
  StopDeferredUntil: 'DevVmStopDeferredUntil',
  /**
   * The issue's cost center (an optional mapped Jira field), on the instance, its volumes and the
   * developer's EFS access point, so Cost Explorer can split the bill once it is activated as a
   * cost allocation tag.
   */
  CostCenter: 'CostCenter',
} as const;

/** Value of the ManagedBy tag; IAM conditions of the stack are keyed on it. */
export const MANAGED_BY = 'dev-vm-for-jira';
export const ENVIRONMENT = 'dev';

/** EC2 tag values: up to 256 Unicode characters; letters, digits, spaces and + - = . _ : / @. */
export function isValidTagValue(value: string): boolean {
  return value.length <= 256 && /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(value);
}
