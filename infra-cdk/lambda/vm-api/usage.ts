import type { S3Client } from '@aws-sdk/client-s3';
import { s3ClientConfig } from '../shared/clients';
import type { SchedulerStateStore } from '../shared/scheduler-state';
import type { UsageReader } from './deps';

/**
 * Vm.usage from the scheduler's state object (infra-cdk/lambda/shared/scheduler-state.ts), read
 * once per request that shows VMs. The S3 client and the state module are loaded on first use so
 * start/stop/provision never pay for them.
 */

async function defaultS3(): Promise<S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client(s3ClientConfig());
}

export function schedulerUsageReader(bucket: string, key: string, makeS3: () => Promise<S3Client> = defaultS3): UsageReader {
  let store: Promise<SchedulerStateStore> | undefined;
  const load = async (): Promise<SchedulerStateStore> => {
    const { SchedulerStateStore } = await import('../shared/scheduler-state');
    return new SchedulerStateStore(await makeS3(), bucket, key);
  };
  return async (ids, now, opts) => {
    store ??= load();
    store.catch(() => (store = undefined));
    const { readUsage } = await import('../shared/scheduler-state');
    return readUsage(await store, ids, now, opts);
  };
}
