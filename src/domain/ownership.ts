import * as z from 'zod';
import { InstanceId } from '../contract/names';
import type { Vm } from '../contract/vm-api';
import type { DevVmProperty } from './vm-property';

/**
 * Which VM an issue owns. The `dev-vm` issue property is writable by anyone who may edit the
 * issue (`PUT /rest/api/3/issue/{key}/properties/{prop}`), so it is only a display copy: the
 * app's own record in Forge storage, written when the VM API launched the VM for this issue, is
 * the authority. A property whose VM id differs from the record is never acted on.
 */

export const VmOwnerRecord = z.object({
  instanceId: InstanceId,
  /** When the VM API answered the provision request for this issue (or the legacy VM was verified). */
  recordedAt: z.string(),
  /**
   * The workflow write-back of this VM's first `running` was done (webtrigger.ts). Kept here as
   * well as in the property, where an editor could remove it and have the app, with its own
   * rights, move the issue to the "provisioned" status again.
   */
  writeBackDone: z.literal(true).optional(),
});
export type VmOwnerRecord = z.infer<typeof VmOwnerRecord>;

export type OwnedVmSource =
  /** Nothing recorded and nothing claimed: the issue has no VM. */
  | { kind: 'none' }
  /** The property's copy is of the recorded instance: usable as it is. */
  | { kind: 'copy'; vm: Vm }
  /** A VM is recorded but the property does not show it (missing or overwritten): read it from the API. */
  | { kind: 'fetch'; instanceId: string }
  /**
   * No record (a VM launched before the app kept one) but the property names an instance: only
   * the VM API's check of the instance's JiraIssue tag can confirm it belongs to this issue.
   */
  | { kind: 'verify'; instanceId: string };

export function ownedVmSource(record: VmOwnerRecord | undefined, prop: DevVmProperty | undefined): OwnedVmSource {
  const copy = prop?.vm;
  if (record) return copy && copy.id === record.instanceId ? { kind: 'copy', vm: copy } : { kind: 'fetch', instanceId: record.instanceId };
  return copy ? { kind: 'verify', instanceId: copy.id } : { kind: 'none' };
}

/** A VM the API answered for a provision request of `issueKey` may be recorded as its VM only if the API says it is that issue's. */
export function mayRecordOwner(issueKey: string, vm: Vm): boolean {
  return vm.issueKey === issueKey;
}
