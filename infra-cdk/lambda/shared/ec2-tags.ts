import type { Instance, Tag as Ec2Tag } from '@aws-sdk/client-ec2';
import { MANAGED_BY, Tag } from '../../../src/contract/tags';

/**
 * Instance tags as a map, and the ManagedBy check built on it. Type-only SDK import: modules
 * loaded at cold start (vm-record.ts) use these without pulling in the EC2 client.
 */

/** EC2's tag list → key/value map; entries without a key or value are skipped. */
export function tagMap(tags: readonly Ec2Tag[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of tags ?? []) if (t.Key !== undefined && t.Value !== undefined) out.set(t.Key, t.Value);
  return out;
}

/** True when the instance carries this stack's ManagedBy tag. */
export function isManaged(instance: Instance, managedBy: string = MANAGED_BY): boolean {
  return tagMap(instance.Tags).get(Tag.ManagedBy) === managedBy;
}

/** Apply a tag change to an instance record locally (for the response after CreateTags/DeleteTags). */
export function withTags(instance: Instance, set: Record<string, string>, remove: readonly string[] = []): Instance {
  const tags = new Map((instance.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  for (const k of remove) tags.delete(k);
  for (const [k, v] of Object.entries(set)) tags.set(k, v);
  return { ...instance, Tags: [...tags].map(([Key, Value]) => ({ Key, Value })) };
}
