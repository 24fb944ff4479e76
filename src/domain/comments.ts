import type { LifecycleEvent } from '../contract/events';
import type { FieldProblem } from '../contract/resolvers';
import type { Schedule } from '../contract/schedule';
import { OS_LABELS, type Vm } from '../contract/vm-api';
import type { VmRequestDraft } from './vm-request';
import { bulletList, code, codeBlock, doc, formatInZone, mention, panel, paragraph, strong, type AdfDoc, type InlineInput } from './adf';
import { BOOT_STEP_LABELS } from './boot-status';
import { boundariesBetween } from './schedule';
import { daysText } from './days-text';
import { describeStateReason } from './state-reason';
import { busyText } from './stop-deferral';

/**
 * The text of every comment the app posts on an issue. Pure: each takes the values it shows
 * (and the instant to print, where one is shown). Never a password or key: only the name of the
 * secret that holds a database password.
 */

/** `Mon–Fri 08:00–18:00 (Europe/Berlin)`, in the developer's own zone. */
export function describeSchedule(s: Schedule): string {
  if (!s.enabled) return 'not scheduled (starts and stops only on request)';
  const days = daysText(s.days);
  const hours = s.start && s.stop ? `${s.start}–${s.stop}` : s.start ? `starts ${s.start}` : s.stop ? `stops ${s.stop}` : 'no set hours';
  return `${days} ${hours} (${s.timezone})`;
}

export function problemsComment(problems: readonly FieldProblem[]): AdfDoc {
  return doc(
    panel(
      'warning',
      paragraph(strong('No dev VM was requested.'), ' Fix these fields on the issue, then move it to the provisioning status again:'),
      bulletList(problems.map((p) => [strong(p.label), ' ', code(p.field), `: ${p.message}`])),
    ),
  );
}

export function provisioningComment(req: VmRequestDraft, vm: Vm): AdfDoc {
  return doc(
    paragraph(
      strong('Dev VM requested: '),
      `${OS_LABELS[req.os]} on ${req.instanceType} for `,
      code(req.developer),
      ' (client ',
      code(req.client),
      '), instance ',
      code(vm.id),
      `. Working hours ${describeSchedule(req.schedule)}. Connection details follow in a comment when its first boot has finished (usually a few minutes).`,
    ),
  );
}

export type VmAction = 'start' | 'stop' | 'terminate';
const ACTION_DONE: Record<VmAction, string> = { start: 'Starting', stop: 'Stopping', terminate: 'Terminating' };

/** After a status change stopped or terminated the VM. */
export function statusActionComment(action: VmAction, vm: Vm, statusName: string | undefined, alreadyStopped = false): AdfDoc {
  const why = statusName ? ` because the issue moved to ${statusName}` : '';
  if (action === 'stop' && vm.parkedAt) {
    // Parked (issue 13): say exactly what the schedule will and will not do.
    return doc(
      paragraph(
        strong(alreadyStopped ? 'Parked the dev VM ' : 'Stopped and parked the dev VM '),
        code(vm.id),
        `${why}. Its working hours will not start it until the issue is reopened or moved to a provision status, which unparks it. The assignee or an admin can use Start anyway or Unpark in the Dev VM panel. Its home directory and databases are kept.`,
      ),
    );
  }
  const tail = action === 'terminate' ? ' Its home directory stays on EFS and its databases stay in place.' : ' Start it again from the Dev VM panel.';
  return doc(paragraph(strong(`${ACTION_DONE[action]} the dev VM `), code(vm.id), `${why}.${tail}`));
}

/** The issue was reopened (or moved to a provision status): the VM's working hours apply again. */
export function unparkedComment(vm: Vm, statusName: string | undefined): AdfDoc {
  const why = statusName ? ` because the issue moved to ${statusName}` : '';
  return doc(paragraph(strong('Unparked the dev VM '), code(vm.id), `${why}. Its working hours start it again from the next start time.`));
}

/** A failure as people see it: code, one-line cause, and the log reference for the administrator. */
export interface ReportedFailure {
  code: string;
  cause: string;
  ref: string;
}
const codeAndRef = (f: ReportedFailure): InlineInput[] => [' ', code(f.code), `: ${f.cause} Reference ${f.ref}.`];

export function apiUnavailableComment(f: ReportedFailure, retryInMinutes: number): AdfDoc {
  return doc(
    panel(
      'note',
      paragraph(strong('The dev VM request did not go through yet.'), ` It is kept and retried automatically in about ${retryInMinutes} minute${retryInMinutes === 1 ? '' : 's'}; a retry never launches a second VM.`, ...codeAndRef(f)),
    ),
  );
}

export function apiGaveUpComment(f: ReportedFailure, attempts: number): AdfDoc {
  return doc(
    panel(
      'error',
      paragraph(strong('No dev VM was launched'), ` after ${attempts} attempts; provision again from the Dev VM panel once it is fixed.`, ...codeAndRef(f)),
    ),
  );
}

export function apiRejectedComment(f: ReportedFailure, what = 'The dev VM request was refused.'): AdfDoc {
  return doc(panel('error', paragraph(strong(what), ...codeAndRef(f))));
}

/**
 * The app's record of the VM (the dev-vm property) does not parse: nothing is done, since
 * "unknown" must never be taken for "no VM" (that would launch a second one). Posted once per
 * unreadable value.
 */
export function unreadableRecordComment(reason: string): AdfDoc {
  return doc(panel('error', paragraph(strong('Nothing was done for this issue’s dev VM. '), code(RECORD_UNREADABLE), `: ${unreadableRecordCause(reason)}`)));
}

/** The cause shown in the panel and in the comment. */
export function unreadableRecordCause(reason: string): string {
  return `The app’s record of this issue’s dev VM (issue property dev-vm) cannot be read: ${reason}. Until it is repaired the app provisions no VM for this issue, so it cannot launch a second one (a VM the app recorded itself is still stopped, terminated and reported on). A Jira administrator can check the issue’s VM on the Dev VM fleet page.`;
}
export const RECORD_UNREADABLE = 'RECORD_UNREADABLE';

/** A request refused by the identity map or the workflow rule; the code names the rule for the admin. */
export function identityRefusedComment(refusal: { rule: string; message: string }): AdfDoc {
  return doc(panel('warning', paragraph(strong('No dev VM was requested '), code(refusal.rule), `: ${refusal.message}`)));
}

export function notConfiguredComment(missing: readonly string[]): AdfDoc {
  return doc(
    panel('note', paragraph(strong('Dev VM is not set up yet,'), ` so nothing was requested. A Jira administrator needs to set: ${missing.join(', ')} (Apps → Dev VM settings).`)),
  );
}

/** The connection details, posted once the VM signalled the end of its first boot (vm.ready). */
export function readyComment(vm: Vm): AdfDoc {
  const c = vm.connection;
  const dbItems: InlineInput[][] = c.databases.map((db) => [
    strong(db.engine === 'postgres' ? 'PostgreSQL' : 'MySQL'),
    ': host ',
    code(db.host),
    ' port ',
    code(String(db.port)),
    ' database ',
    code(db.database),
    ' user ',
    code(db.user),
    ', password in Secrets Manager secret ',
    code(db.secretName),
  ]);
  const facts: InlineInput[][] = [
    ['Instance ', code(vm.id), ` (${OS_LABELS[vm.os]}, ${vm.instanceType})`],
    ...(c.privateIp ? [['Private IP ', code(c.privateIp)]] : []),
    ['Home directory (kept on EFS across stops) ', code(c.homePath)],
    ['Working hours ', describeSchedule(vm.schedule)],
  ];
  return doc(
    paragraph(strong('Your dev VM is ready.'), ' Open a shell with AWS Session Manager (no SSH key or public IP needed):'),
    codeBlock(c.ssmCommand),
    bulletList([...facts, ...dbItems]),
  );
}

/** The instance runs for the first time, but its first boot is still installing and mounting. */
export function bootingComment(at: string): AdfDoc {
  return doc(
    paragraph(
      strong('Dev VM is running'),
      ` since ${at} and finishing its first boot (installing tools, mounting your home directory). Do not connect yet: the connection details follow in a comment when it is ready.`,
    ),
  );
}

/**
 * The first boot failed at a step (the VM wrote `failed:<step>`), or did not signal ready by the
 * boot deadline (the reconciler; `bootTimedOutMinutes`): the step in words and by name, never a
 * "ready" in that case.
 */
export function bootFailedComment(event: LifecycleEvent, when: string): AdfDoc {
  const label = event.bootStep ? BOOT_STEP_LABELS[event.bootStep] : undefined;
  const timedOut = event.bootTimedOutMinutes !== undefined;
  const what = timedOut
    ? [strong(`The dev VM did not finish its first boot within ${event.bootTimedOutMinutes} minutes`), label ? ` (it was still ${label}, step ` : ' (the boot script never reported a step', ...(event.bootStep ? [code(event.bootStep), ')'] : [')'])]
    : [strong('The dev VM did not finish its first boot'), label ? ` (failed while ${label}, step ` : ' (', ...(event.bootStep ? [code(event.bootStep), ')'] : ['step unknown)'])];
  return doc(
    panel(
      'error',
      paragraph(
        ...what,
        ` at ${when}`,
        // The deadline's reason repeats the step; the VM's own failure may carry a detail.
        !timedOut && event.reason ? `: ${event.reason}.` : '.',
        ' It is not ready for use. Ask your DevOps team to check /var/log/dev-vm-bootstrap.log on instance ',
        code(event.instanceId),
        ', or terminate it and provision again.',
      ),
    ),
  );
}

/** Who a comment speaks to: the assignee (a mention), else the developer by name. */
export interface Addressee {
  accountId?: string | undefined;
  name?: string | undefined;
}
const address = (a: Addressee | undefined, developer: string): InlineInput => (a?.accountId ? mention(a.accountId, a.name) : (a?.name ?? developer));

/**
 * The idle-teardown warning: mentions the assignee (so Jira notifies them), gives the termination
 * date in the VM's zone and the one action that keeps the VM ("Keep this VM" in the panel).
 */
export function idleWarningComment(event: LifecycleEvent, timezone: string, addressee?: Addressee): AdfDoc {
  return doc(
    panel(
      'warning',
      paragraph(
        address(addressee, event.developer),
        ' ',
        strong('this dev VM has been idle'),
        event.terminateAt ? ` and will be terminated on ${formatInZone(event.terminateAt, timezone)}.` : ' and will be terminated soon.',
        ' To keep it, use ',
        strong('Keep this VM'),
        ' in the Dev VM panel before then (using it, a Session Manager session, also resets the idle clock). Its home directory on EFS and its databases are kept either way.',
      ),
    ),
  );
}

/**
 * Why the scheduler stopped the VM: a stop owed since a working-hours boundary that a keep-running
 * hold held back is the hold ending, not the end of working hours. Told apart by the schedule: no
 * stop boundary between the hold's end and the stop means the hold was what ended.
 */
function scheduledStopCause(event: LifecycleEvent, when: (iso: string) => string): string {
  const hold = event.vm?.keepRunningUntil;
  const schedule = event.vm?.schedule;
  if (!hold || !schedule) return ' (end of working hours).';
  const holdEnd = new Date(hold);
  const stoppedAt = new Date(event.time);
  if (Number.isNaN(holdEnd.getTime()) || holdEnd > stoppedAt) return ' (end of working hours).';
  const boundaryAfterHold = boundariesBetween(schedule, holdEnd, stoppedAt).some((b) => b.kind === 'stop');
  return boundaryAfterHold ? ' (end of working hours).' : ` (the Keep running hold ended at ${when(hold)}).`;
}

/**
 * The comment for a lifecycle event: on the first `running`, a note that the first boot is still
 * under way; the full connection details on `vm.ready`; then one short line per event (a daily
 * scheduled start must not repeat the whole block). `firstRunning` is the first running of this
 * VM; `readyAnnounced` says the ready comment was already posted (events may arrive in any order).
 */
export function lifecycleComment(event: LifecycleEvent, timezone: string, firstRunning = true, readyAnnounced = false, addressee?: Addressee): AdfDoc | undefined {
  const when = (iso: string) => formatInZone(iso, timezone);
  switch (event.type) {
    case 'vm.ready':
      if (readyAnnounced) return undefined;
      if (event.vm) return readyComment(event.vm);
      return doc(paragraph(strong('Your dev VM is ready'), ` since ${when(event.time)}. Connection details are in the Dev VM panel.`));
    case 'vm.boot-failed':
      return bootFailedComment(event, when(event.time));
    case 'vm.running':
      if (firstRunning) return readyAnnounced ? undefined : bootingComment(when(event.time));
      // The instance's launch time is when it started; the event's time is when a run noticed.
      return doc(paragraph(strong('Dev VM started'), ` at ${when(event.vm?.launchTime ?? event.time)}`, event.cause === 'schedule' ? ' (start of working hours).' : '.', ' Connection details are in the Dev VM panel.'));
    case 'vm.stopped':
      return doc(
        paragraph(
          strong('Dev VM stopped'),
          ` at ${when(event.time)}`,
          event.cause === 'schedule' ? scheduledStopCause(event, when) : event.cause === 'idle-stop' ? `: ${event.reason ?? 'idle'}. The next start of working hours starts it again.` : '.',
          ' Your home directory is kept.',
        ),
      );
    case 'vm.start-failed':
      return doc(
        panel('error', paragraph(strong('The dev VM could not start'), ` at ${when(event.time)}`, event.reason ? `: ${describeStateReason(event.reason)}.` : '.', ' Try Start in the Dev VM panel; if it fails again, tell your DevOps team.')),
      );
    case 'vm.idle-warning':
      return idleWarningComment(event, timezone, addressee);
    case 'vm.stop-deferred':
      return doc(
        paragraph(
          strong('Dev VM stop deferred'),
          event.deferredUntil ? ` until ${when(event.deferredUntil)}` : '',
          ` (${busyText(event.busy ?? [])}): the end of working hours does not stop a VM in use. It is stopped at the first check it is quiet, and at the admin's maximum deferral at the latest.`,
        ),
      );
    case 'vm.terminated':
      return doc(paragraph(strong('Dev VM terminated'), ` at ${when(event.time)}`, event.reason ? ` (${describeStateReason(event.reason, 'terminated')}).` : '.', ' Its home directory and databases are kept for the next VM.'));
  }
}

export function noTransitionComment(statusName: string): AdfDoc {
  return doc(
    paragraph(
      'The dev VM is running, but the issue could not be moved to ',
      strong(statusName),
      ': its workflow has no transition to that status from here. Move it by hand, or ask a Jira administrator to check the workflow.',
    ),
  );
}

/** A provision request waiting for its retry is dropped because the issue moved to a stop/terminate status. */
export function pendingCancelledComment(statusName: string | undefined): AdfDoc {
  const why = statusName ? ` because the issue moved to ${statusName}` : ' because of the status change';
  return doc(
    paragraph(
      strong('The queued dev VM request was cancelled'),
      `${why}: it will not be retried. To get a VM, move the issue to a provisioning status again or use Provision in the Dev VM panel.`,
    ),
  );
}

/** The transition exists but Jira refused it (a validator, a required screen field, a condition). */
export function transitionRefusedComment(statusName: string, httpStatus: number): AdfDoc {
  return doc(
    paragraph(
      'The dev VM is running, but the issue could not be moved to ',
      strong(statusName),
      `: Jira refused the transition (HTTP ${httpStatus}), for example because it needs a field filled in or a workflow validator failed. Move it by hand, or ask a Jira administrator to check the workflow.`,
    ),
  );
}

export type PanelAction = 'provision' | 'start' | 'stop' | 'terminate' | 'keepRunning' | 'updateSchedule' | 'lifecycle';
const PANEL_ACTION_TEXT: Record<PanelAction, string> = {
  provision: 'requested a dev VM',
  start: 'started the dev VM',
  stop: 'stopped the dev VM',
  terminate: 'terminated the dev VM',
  keepRunning: 'kept the dev VM running',
  updateSchedule: 'changed the dev VM working hours',
  lifecycle: 'changed the dev VM lifecycle',
};

/** The audit record of an action taken from the panel: who (a mention with their name), what and when (in `timezone`, the VM's). */
export function auditComment(who: { accountId: string; name?: string | undefined }, action: PanelAction, atIso: string, timezone: string, detail?: string): AdfDoc {
  return doc(paragraph(mention(who.accountId, who.name), ` ${PANEL_ACTION_TEXT[action]} from the Dev VM panel at ${formatInZone(atIso, timezone)}`, detail ? `: ${detail}.` : '.'));
}

/**
 * What "Keep this VM" did, for its audit comment: the idle-teardown clock restarts at `keptAt`,
 * so the VM is not terminated for idleness before `idleDays` after it (the reconciler's rule:
 * its teardown clock starts no earlier than the DevVmKeptAt tag).
 */
export function keptDetail(keptAt: string, idleDays: number, timezone: string): string {
  const earliest = new Date(Date.parse(keptAt) + idleDays * 86_400_000).toISOString();
  return `Keep this VM: the idle clock was reset, so it is not terminated for idleness before ${formatInZone(earliest, timezone)}`;
}

/** A cost center the VM could not take: the field is named, the value quoted, what the VM keeps said. */
export const COST_CENTER_INVALID = 'COST_CENTER_INVALID';
export function costCenterInvalidComment(fieldLabel: string, fieldId: string, value: string, message: string, vm: Pick<Vm, 'id' | 'costCenter'>): AdfDoc {
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  const kept = vm.costCenter ? `keeps its CostCenter tag "${vm.costCenter}"` : 'keeps no CostCenter tag';
  return doc(
    panel(
      'warning',
      paragraph(strong('The dev VM’s cost center was not changed. '), code(COST_CENTER_INVALID), ': ', strong(fieldLabel), ' ', code(fieldId), `: "${shown}" ${message}. The VM ${vm.id} ${kept} until the field holds a valid value.`),
    ),
  );
}
