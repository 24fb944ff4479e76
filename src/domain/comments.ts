import type { LifecycleEvent } from '../contract/events';
import type { FieldProblem } from '../contract/resolvers';
import type { Schedule } from '../contract/schedule';
import { OS_LABELS, type Vm } from '../contract/vm-api';
import type { VmRequestDraft } from './vm-request';
import { bulletList, code, codeBlock, doc, formatInZone, mention, panel, paragraph, strong, type AdfDoc, type InlineInput } from './adf';
import { describeStateReason } from './state-reason';

/**
 * The text of every comment the app posts on an issue. Pure: each takes the values it shows
 * (and the instant to print, where one is shown). Never a password or key: only the name of the
 * secret that holds a database password.
 */

const DAY_LABEL: Record<string, string> = { MON: 'Mon', TUE: 'Tue', WED: 'Wed', THU: 'Thu', FRI: 'Fri', SAT: 'Sat', SUN: 'Sun' };

/** `Mon–Fri 08:00–18:00 (Europe/Berlin)`, in the developer's own zone. */
export function describeSchedule(s: Schedule): string {
  if (!s.enabled) return 'not scheduled (starts and stops only on request)';
  const days = s.days.replace(/[A-Z]{3}/g, (d) => DAY_LABEL[d] ?? d).replace(/-/g, '–').replace(/,/g, ', ');
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
      `. Working hours ${describeSchedule(req.schedule)}. Connection details follow in a comment when it is running (usually a few minutes).`,
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

export function apiUnavailableComment(reason: string, retryInMinutes: number): AdfDoc {
  return doc(
    panel(
      'note',
      paragraph(
        strong('The VM API could not be reached'),
        ` (${reason}). The request is kept and retried automatically in about ${retryInMinutes} minute${retryInMinutes === 1 ? '' : 's'}; a retry never launches a second VM.`,
      ),
    ),
  );
}

export function apiGaveUpComment(reason: string, attempts: number): AdfDoc {
  return doc(
    panel(
      'error',
      paragraph(
        strong('No dev VM was launched.'),
        ` The VM API could not be reached after ${attempts} attempts (${reason}). Ask a Jira administrator to run "Test connection" on the Dev VM settings page, then provision again from the Dev VM panel.`,
      ),
    ),
  );
}

export function apiRejectedComment(message: string): AdfDoc {
  return doc(panel('error', paragraph(strong('The VM API refused the request: '), message)));
}

export function notConfiguredComment(missing: readonly string[]): AdfDoc {
  return doc(
    panel('note', paragraph(strong('Dev VM is not set up yet,'), ` so nothing was requested. A Jira administrator needs to set: ${missing.join(', ')} (Apps → Dev VM settings).`)),
  );
}

export function runningComment(vm: Vm): AdfDoc {
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
    paragraph(strong('Your dev VM is running.'), ' Open a shell with AWS Session Manager (no SSH key or public IP needed):'),
    codeBlock(c.ssmCommand),
    bulletList([...facts, ...dbItems]),
  );
}

/**
 * The comment for a lifecycle event: the full connection details the first time the VM runs,
 * then one short line per event (a daily scheduled start must not repeat the whole block).
 */
export function lifecycleComment(event: LifecycleEvent, timezone: string, firstRunning = true): AdfDoc | undefined {
  const when = (iso: string) => formatInZone(iso, timezone);
  switch (event.type) {
    case 'vm.running':
      if (firstRunning && event.vm) return runningComment(event.vm);
      return doc(paragraph(strong('Dev VM started'), ` at ${when(event.time)}`, event.cause === 'schedule' ? ' (start of working hours).' : '.', ' Connection details are in the Dev VM panel.'));
    case 'vm.stopped':
      return doc(
        paragraph(
          strong('Dev VM stopped'),
          ` at ${when(event.time)}`,
          event.cause === 'schedule' ? ' (end of working hours).' : event.cause === 'idle-stop' ? `: ${event.reason ?? 'idle'}. The next start of working hours starts it again.` : '.',
          ' Your home directory is kept.',
        ),
      );
    case 'vm.start-failed':
      return doc(
        panel('error', paragraph(strong('The dev VM could not start'), ` at ${when(event.time)}`, event.reason ? `: ${describeStateReason(event.reason)}.` : '.', ' Try Start in the Dev VM panel; if it fails again, tell your DevOps team.')),
      );
    case 'vm.idle-warning':
      return doc(
        panel(
          'warning',
          paragraph(
            strong('This dev VM has been idle'),
            event.terminateAt ? ` and will be terminated on ${when(event.terminateAt)}.` : ' and will be terminated soon.',
            ' To keep it, start it or use "Keep running" in the Dev VM panel before then. Your home directory on EFS is kept either way.',
          ),
        ),
      );
    case 'vm.terminated':
      return doc(paragraph(strong('Dev VM terminated'), ` at ${when(event.time)}`, event.reason ? ` (${describeStateReason(event.reason)}).` : '.', ' Its home directory and databases are kept for the next VM.'));
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

/** The audit record of an action taken from the panel: who (a mention), what and when (UTC). */
export function auditComment(accountId: string, action: PanelAction, atIso: string, detail?: string): AdfDoc {
  return doc(paragraph(mention(accountId), ` ${PANEL_ACTION_TEXT[action]} from the Dev VM panel at ${formatInZone(atIso, 'UTC')}`, detail ? `: ${detail}.` : '.'));
}
