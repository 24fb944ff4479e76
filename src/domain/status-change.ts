import type { Settings } from '../contract/settings';

/**
 * What entering a status means for the issue's VM. Forge has no transition event: the trigger
 * reads the `status` item of `avi:jira:updated:issue`'s changelog and asks this function.
 */
export type StatusAction = 'provision' | 'stop' | 'terminate' | 'none';

export interface StatusChange {
  fromStatusId: string | undefined;
  toStatusId: string;
}

/** The `status` item of an issue-updated changelog, if the update changed the status. */
export function findStatusChange(changelog: unknown): StatusChange | undefined {
  if (!changelog || typeof changelog !== 'object') return undefined;
  const items = (changelog as { items?: unknown }).items;
  if (!Array.isArray(items)) return undefined;
  for (const item of items) {
    if (!item || typeof item !== 'object') continue;
    const i = item as { field?: unknown; fieldId?: unknown; from?: unknown; to?: unknown };
    const isStatus = i.fieldId === 'status' || (i.fieldId === undefined && i.field === 'status');
    if (isStatus && typeof i.to === 'string' && i.to.length > 0) {
      return { fromStatusId: typeof i.from === 'string' ? i.from : undefined, toStatusId: i.to };
    }
  }
  return undefined;
}

/**
 * Explicit lists win over the close rule; a status in no list whose category is `done` applies
 * the onClose setting. Re-entering the same status is not a change.
 */
export function decideStatusAction(change: StatusChange, statuses: Settings['statuses'], onClose: Settings['onClose'], toCategoryKey: string | undefined): StatusAction {
  if (change.fromStatusId === change.toStatusId) return 'none';
  if (statuses.provision.includes(change.toStatusId)) return 'provision';
  if (statuses.terminate.includes(change.toStatusId)) return 'terminate';
  if (statuses.stop.includes(change.toStatusId)) return 'stop';
  if (toCategoryKey === 'done' && onClose !== 'nothing') return onClose;
  return 'none';
}
