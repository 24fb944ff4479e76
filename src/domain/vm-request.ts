import { ClientName, DeveloperName, InstanceType } from '../contract/names';
import type { FieldProblem, ProvisionDraft } from '../contract/resolvers';
import { ClockTime, DAY_NAMES, DaysSpec, Schedule, TimeZoneName } from '../contract/schedule';
import { FIELD_ROLES, FIELD_ROLE_LABELS, type FieldRole, type Policy, type Settings } from '../contract/settings';
import { CostCenter, OS_IDS, OS_LABELS, OsId, type ProvisionRequest } from '../contract/vm-api';

/**
 * Issue fields → the VM request, or every problem with it at once (so the reporter fixes the
 * issue in one round trip). Pure: takes the `fields` object of GET /rest/api/3/issue as Jira
 * returns it, the admin's field mapping and the policy.
 */

export type VmRequestDraft = Omit<ProvisionRequest, 'idempotencyKey'>;
export type VmRequestResult =
  | { ok: true; request: VmRequestDraft; values: Record<FieldRole, string | undefined>; scheduleFromPanel?: boolean }
  | { ok: false; problems: FieldProblem[]; values: Record<FieldRole, string | undefined> };

/** Roles without which no VM can be requested; the others fall back to the policy's defaults. */
const REQUIRED_ROLES: readonly FieldRole[] = ['client', 'developer'];

/**
 * The text of a Jira field value, whatever its type: plain text, number, a select option
 * (`{value}`), a named object (`{name}`), a multi-select or checkboxes (array, joined with
 * commas), or a paragraph field in ADF (its text).
 */
export function fieldText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) {
    const parts = value.map(fieldText).filter((v): v is string => v !== undefined);
    return parts.length ? parts.join(',') : undefined;
  }
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.value === 'string') return fieldText(o.value);
    if (typeof o.name === 'string') return fieldText(o.name);
    if (o.type === 'doc' && Array.isArray(o.content)) return fieldText(adfText(o).replace(/\s+/g, ' '));
  }
  return undefined;
}

function adfText(node: unknown): string {
  if (!node || typeof node !== 'object') return '';
  const n = node as { text?: unknown; content?: unknown };
  if (typeof n.text === 'string') return n.text;
  return Array.isArray(n.content) ? n.content.map(adfText).join(' ') : '';
}

/**
 * Lenient spellings people type, normalised before strict validation (`mon - fri` → `MON-FRI`).
 * En and em dashes count as hyphens: the app's own comments and panel write `Mon–Fri`.
 */
function normaliseDays(raw: string): string {
  return compactDayList(raw.toUpperCase().replace(/\s*[-\u2013\u2014]\s*/g, '-').replace(/\s*,\s*/g, ',').replace(/\s+/g, ','));
}

/**
 * A list of single days, as a checkbox or multi-select field holds them (and as the panel writes a
 * schedule back), in the range form the panel and the comments use: `MON,TUE,WED,THU,FRI,SAT` →
 * `MON-SAT`, `MON,TUE,WED,FRI` → `MON-WED,FRI`. Runs of three or more days become ranges; anything
 * else (ranges typed by a person, unknown words) is left as typed.
 */
function compactDayList(spec: string): string {
  const parts = spec.split(',');
  const index = parts.map((p) => (DAY_NAMES as readonly string[]).indexOf(p));
  if (parts.length < 3 || index.some((i) => i < 0) || new Set(index).size !== index.length) return spec;
  const sorted = [...index].sort((a, b) => a - b);
  const out: string[] = [];
  for (let k = 0; k < sorted.length; ) {
    let end = k;
    while (end + 1 < sorted.length && sorted[end + 1] === (sorted[end] as number) + 1) end++;
    const from = DAY_NAMES[sorted[k] as number] as string;
    const to = DAY_NAMES[sorted[end] as number] as string;
    if (end - k >= 2) out.push(`${from}-${to}`);
    else for (let j = k; j <= end; j++) out.push(DAY_NAMES[sorted[j] as number] as string);
    k = end + 1;
  }
  return out.join(',');
}

function osFromText(raw: string): string {
  const byLabel = OS_IDS.find((id) => OS_LABELS[id].toLowerCase() === raw.toLowerCase());
  return byLabel ?? raw.toLowerCase();
}

/** A field value quoted in a problem message, shortened: Jira refuses a comment over 32 767 characters. */
function quoted(value: string | undefined): string {
  const v = value ?? '';
  return `"${v.length > 60 ? `${v.slice(0, 60)}…` : v}"`;
}

function firstMessage(result: { success: boolean; error?: { issues: { message: string }[] } }): string {
  return result.error?.issues[0]?.message ?? 'is not valid';
}

export function readVmRequest(
  issueKey: string,
  fields: Readonly<Record<string, unknown>>,
  mapping: Settings['fields'],
  policy: Policy,
): VmRequestResult {
  const values = {} as Record<FieldRole, string | undefined>;
  for (const role of FIELD_ROLES) {
    const id = mapping[role];
    values[role] = id === undefined ? undefined : fieldText(fields[id]);
  }
  const problems: FieldProblem[] = [];
  const problem = (role: FieldRole, message: string) =>
    problems.push({ field: mapping[role] ?? role, label: FIELD_ROLE_LABELS[role], message });

  for (const role of REQUIRED_ROLES) {
    if (mapping[role] === undefined) problem(role, 'is not mapped to an issue field; a Jira administrator maps it on the Dev VM settings page');
    else if (values[role] === undefined) problem(role, 'is empty; fill it in on the issue');
  }
  const client = values.client === undefined ? undefined : ClientName.safeParse(values.client);
  if (client && !client.success) problem('client', `${quoted(values.client)} ${firstMessage(client)}`);
  const developer = values.developer === undefined ? undefined : DeveloperName.safeParse(values.developer);
  if (developer && !developer.success) problem('developer', `${quoted(values.developer)} ${firstMessage(developer)}`);

  const instanceType = values.instanceType?.toLowerCase() ?? policy.allowedInstanceTypes[0];
  if (instanceType !== undefined) {
    if (!InstanceType.safeParse(instanceType).success || !policy.allowedInstanceTypes.includes(instanceType)) {
      problem('instanceType', `${quoted(values.instanceType)} is not allowed; choose one of ${policy.allowedInstanceTypes.join(', ')}`);
    }
  }
  const os = values.os === undefined ? policy.allowedOs[0] : osFromText(values.os);
  const osParsed = OsId.safeParse(os);
  if (!osParsed.success || !policy.allowedOs.includes(osParsed.data)) {
    problem('os', `${quoted(values.os)} is not allowed; choose one of ${policy.allowedOs.map((o) => `${o} (${OS_LABELS[o]})`).join(', ')}`);
  }

  const d = policy.defaultSchedule;
  const start = values.start ?? d.start;
  const stop = values.stop ?? d.stop;
  const timezone = values.timezone ?? d.timezone;
  const days = values.days === undefined ? d.days : normaliseDays(values.days);
  if (values.start !== undefined && !ClockTime.safeParse(values.start).success) problem('start', `${quoted(values.start)} must be a 24-hour time HH:MM such as "08:30"`);
  if (values.stop !== undefined && !ClockTime.safeParse(values.stop).success) problem('stop', `${quoted(values.stop)} must be a 24-hour time HH:MM such as "18:00"`);
  if (values.timezone !== undefined && !TimeZoneName.safeParse(values.timezone).success) {
    problem('timezone', `${quoted(values.timezone)} is not an IANA time zone; use a name such as "Europe/London" or "America/New_York"`);
  }
  if (values.days !== undefined && !DaysSpec.safeParse(days).success) problem('days', `${quoted(values.days)} must be days such as "MON-FRI" or "MON,WED,FRI"`);
  // Optional: an empty field means no CostCenter tag; a filled one must be a valid AWS tag value.
  const costCenter = values.costCenter === undefined ? undefined : CostCenter.safeParse(values.costCenter);
  if (costCenter && !costCenter.success) problem('costCenter', `${quoted(values.costCenter)} ${firstMessage(costCenter)}`);

  const schedule = Schedule.safeParse({ start, stop, timezone, days, enabled: d.enabled });
  if (problems.length === 0 && !schedule.success) {
    problem(schedule.error.issues[0]?.path[0] === 'stop' ? 'stop' : 'start', firstMessage(schedule));
  }
  if (problems.length > 0 || !schedule.success || !client?.success || !developer?.success || !osParsed.success || instanceType === undefined) {
    return { ok: false, problems, values };
  }
  return {
    ok: true,
    values,
    request: {
      issueKey,
      client: client.data,
      developer: developer.data,
      instanceType,
      os: osParsed.data,
      schedule: schedule.data,
      ...(costCenter?.success ? { costCenter: costCenter.data } : {}),
    },
  };
}

/** What the panel shows before provisioning: the values read and what is wrong with them. */
/**
 * The working hours last saved from the panel replace the issue's schedule fields for the next VM:
 * an edit lives on the instance, and a re-provision must not silently fall back to the issue's old
 * fields. Only a request the fields otherwise allow is changed; field problems still show.
 */
export function withKeptSchedule(result: VmRequestResult, kept: Schedule | undefined): VmRequestResult {
  if (!result.ok || !kept) return result;
  return { ...result, request: { ...result.request, schedule: kept }, scheduleFromPanel: true };
}

export function toDraft(result: VmRequestResult): ProvisionDraft {
  const values: Record<string, string | undefined> = {};
  if (result.ok) {
    const r = result.request;
    Object.assign(values, {
      client: r.client,
      developer: r.developer,
      instanceType: r.instanceType,
      os: r.os,
      start: r.schedule.start,
      stop: r.schedule.stop,
      timezone: r.schedule.timezone,
      days: r.schedule.days,
      costCenter: r.costCenter,
    });
  } else {
    Object.assign(values, result.values);
  }
  return { values, problems: result.ok ? [] : result.problems, ...(result.ok && result.scheduleFromPanel ? { scheduleFromPanel: true } : {}) };
}

/**
 * The idempotency key of a provision request: Forge redelivers events, so a retry of the same
 * transition (same issue, same changelog entry) must produce the same key and never a second VM.
 */
export function idempotencyKeyFor(issueId: string, origin: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  const key = `jira:${safe(issueId)}:${safe(origin)}`;
  return key.length <= 64 ? key : key.slice(0, 64);
}
