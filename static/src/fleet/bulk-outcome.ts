import type { FleetBulkAction, FleetBulkResult } from '../../../src/contract/resolvers';

/**
 * What a bulk action did, said per outcome: the VMs done with their audit comment, those done whose
 * comment could not be written (AUDIT_COMMENT_FAILED), and those that failed, each named with the
 * VM API's or Jira's reason. A result line never claims a comment that was not written.
 */

type BulkResult = FleetBulkResult['results'][number];

const DONE: Record<FleetBulkAction, (n: number) => string> = {
  stop: (n) => `${n} stopped`,
  park: (n) => `${n} parked`,
  keep: (n) => `${n} with the idle deadline extended`,
  terminate: (n) => `${n} terminated`,
};

/** The VM as the table shows it: its issue (as the page knew it) and its instance id. */
const vmName = (r: BulkResult, issueKeyOf: (id: string) => string | undefined): string => {
  const key = r.issueKey ?? issueKeyOf(r.id);
  return key ? `${key} (${r.id})` : r.id;
};

const named = (rs: readonly BulkResult[], issueKeyOf: (id: string) => string | undefined): string =>
  rs.map((r) => `${vmName(r, issueKeyOf)} — ${r.error?.message ?? 'no reason given'}`).join('; ');

/** One line per outcome that occurred, in the order: done, done without comment, failed. */
export function bulkOutcome(action: FleetBulkAction, results: readonly BulkResult[], issueKeyOf: (id: string) => string | undefined): string[] {
  const commented = results.filter((r) => r.ok && !r.error);
  const uncommented = results.filter((r) => r.ok && r.error);
  const failed = results.filter((r) => !r.ok);
  const lines: string[] = [];
  if (commented.length) lines.push(`${DONE[action](commented.length)}, ${commented.length === 1 ? 'its issue has a comment' : 'each issue has a comment'} saying who did it and when`);
  if (uncommented.length) lines.push(`${DONE[action](uncommented.length)} without a comment on ${uncommented.length === 1 ? 'its issue' : 'their issues'}: ${named(uncommented, issueKeyOf)}`);
  if (failed.length) lines.push(`${failed.length} failed: ${named(failed, issueKeyOf)}`);
  return lines;
}
