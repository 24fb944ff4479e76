/**
 * A scheduled stop deferred because the VM is busy (issue 13, 3b): the reconciler writes it on
 * the instance's DevVmStopDeferredUntil tag as `<ISO instant> <what keeps it busy…>`, e.g.
 * `2026-11-25T23:30:00.000Z session cpu`, and removes the tag once the VM is stopped or quiet.
 * The VM API reads it into `Vm.stopDeferred`, so the panel can say so. EC2 tag values allow
 * letters, digits, spaces and `. : -`, which is all this format uses.
 */

export const BUSY_KINDS = ['session', 'cpu'] as const;
export type BusyKind = (typeof BUSY_KINDS)[number];

export interface StopDeferral {
  until: string;
  busy: BusyKind[];
}

const isBusyKind = (s: string): s is BusyKind => (BUSY_KINDS as readonly string[]).includes(s);

export function formatStopDeferral(d: StopDeferral): string {
  return [d.until, ...BUSY_KINDS.filter((k) => d.busy.includes(k))].join(' ');
}

/** The tag's value, or undefined when it is absent or not this format (never trusted beyond display). */
export function parseStopDeferral(value: string | undefined): StopDeferral | undefined {
  if (value === undefined) return undefined;
  const [at, ...rest] = value.trim().split(/\s+/);
  const ms = Date.parse(at ?? '');
  if (!at || Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(at)) return undefined;
  return { until: new Date(ms).toISOString(), busy: BUSY_KINDS.filter((k) => rest.some((r) => isBusyKind(r) && r === k)) };
}

const BUSY_WORDS: Readonly<Record<BusyKind, string>> = { session: 'session active', cpu: 'CPU' };

/** `busy: session active / CPU`, or `busy` when the kind is not known. */
export function busyText(busy: readonly BusyKind[]): string {
  return busy.length ? `busy: ${busy.map((b) => BUSY_WORDS[b]).join(' / ')}` : 'busy';
}
