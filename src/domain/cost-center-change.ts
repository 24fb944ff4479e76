import { CostCenter } from '../contract/vm-api';
import { fieldText } from './vm-request';

/**
 * The issue's cost center follows the field (issue 13): the issue-updated changelog names the
 * fields an edit changed (each item's `fieldId`; custom fields as `customfield_NNNNN`:
 * https://developer.atlassian.com/cloud/jira/platform/webhooks/#changelog), and a change of the
 * mapped cost-center field on an issue with a live VM retags the VM.
 */

/** The field ids an issue-updated changelog changed. */
export function changedFieldIds(changelog: unknown): string[] {
  const items = changelog && typeof changelog === 'object' ? (changelog as { items?: unknown }).items : undefined;
  if (!Array.isArray(items)) return [];
  const ids: string[] = [];
  for (const item of items) {
    const fieldId = item && typeof item === 'object' ? (item as { fieldId?: unknown }).fieldId : undefined;
    if (typeof fieldId === 'string' && fieldId && !ids.includes(fieldId)) ids.push(fieldId);
  }
  return ids;
}

/** The display name the changelog gives the field (`field`), for the comment; undefined when absent. */
export function changedFieldName(changelog: unknown, fieldId: string): string | undefined {
  const items = changelog && typeof changelog === 'object' ? (changelog as { items?: unknown }).items : undefined;
  if (!Array.isArray(items)) return undefined;
  const item = items.find((i): i is { field?: unknown } => !!i && typeof i === 'object' && (i as { fieldId?: unknown }).fieldId === fieldId);
  return typeof item?.field === 'string' && item.field ? item.field : undefined;
}

export type CostCenterDecision =
  | { kind: 'unchanged' }
  | { kind: 'retag'; costCenter: string | null }
  | { kind: 'invalid'; value: string; message: string };

/**
 * What the field's value now means for a VM tagged `current`: the same value (or still empty)
 * changes nothing; an empty field removes the tag; a value that cannot be an AWS tag value is
 * refused, and the VM keeps its tag.
 */
export function decideCostCenter(fieldValue: unknown, current: string | undefined): CostCenterDecision {
  const text = fieldText(fieldValue);
  if (text === undefined) return current === undefined ? { kind: 'unchanged' } : { kind: 'retag', costCenter: null };
  const parsed = CostCenter.safeParse(text);
  if (!parsed.success) return { kind: 'invalid', value: text, message: parsed.error.issues[0]?.message ?? 'is not valid' };
  return parsed.data === current ? { kind: 'unchanged' } : { kind: 'retag', costCenter: parsed.data };
}
