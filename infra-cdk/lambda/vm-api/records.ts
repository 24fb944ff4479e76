import type { Instance } from '@aws-sdk/client-ec2';
import type { Vm } from '../../../src/contract/vm-api';
import { toVm } from '../shared/vm-record';
import { dbEndpoints, type VmApiDeps } from './deps';

/** Instance → Vm with this stack's context (region, secret prefix, engines, usage). */
/**
 * Instances → Vm records. Usage (run hours, from the scheduler's state in S3) is read only when
 * asked: the read operations show it; actions answer without paying for the extra S3 read.
 */
export async function vmRecords(deps: VmApiDeps, instances: readonly Instance[], opts: { usage?: boolean | 'daily' } = {}): Promise<Vm[]> {
  const ids = instances.map((i) => i.InstanceId).filter((id): id is string => id !== undefined);
  const usage = opts.usage && deps.usage && ids.length ? await readUsage(deps, ids, opts.usage === 'daily') : new Map();
  const out: Vm[] = [];
  const skipped: string[] = [];
  for (const instance of instances) {
    try {
      const u = instance.InstanceId ? usage.get(instance.InstanceId) : undefined;
      out.push(toVm(instance, { ...context(deps), ...(u ? { usage: u } : {}) }));
    } catch (e) {
      // A managed instance whose identity tags were edited away is skipped, not fatal for the list.
      skipped.push(e instanceof Error ? e.message : String(e));
    }
  }
  if (skipped.length) deps.annotate?.({ skippedInstances: skipped.slice(0, 5) });
  return out;
}

export async function vmRecord(deps: VmApiDeps, instance: Instance, opts: { usage?: boolean } = {}): Promise<Vm> {
  const ids = instance.InstanceId ? [instance.InstanceId] : [];
  const usage = opts.usage && deps.usage && ids.length ? await readUsage(deps, ids) : new Map();
  const u = instance.InstanceId ? usage.get(instance.InstanceId) : undefined;
  return toVm(instance, { ...context(deps), ...(u ? { usage: u } : {}) });
}

function context(deps: VmApiDeps) {
  return { region: deps.env.AWS_REGION, secretPrefix: deps.env.SECRET_PREFIX, dbNamespace: deps.env.DB_NAMESPACE, managedBy: deps.env.MANAGED_BY, databases: dbEndpoints(deps.env) };
}

/** Usage is a nice-to-have: a failure to read the scheduler's state never fails the request. */
async function readUsage(deps: VmApiDeps, ids: readonly string[], daily = false) {
  try {
    return (await deps.usage?.(ids, deps.now(), daily ? { daily } : undefined)) ?? new Map();
  } catch (e) {
    deps.annotate?.({ usageUnavailable: e instanceof Error ? e.name : 'error' });
    return new Map();
  }
}
