import type { S3Client } from '@aws-sdk/client-s3';
import { s3ClientConfig } from '../shared/clients';
import type { UsageReader } from './deps';

/**
 * Vm.usage from the scheduler's state object (infra-cdk/lambda/shared/scheduler-state.ts), read
 * once per request that shows VMs (a conditional GET: the parsed object is kept while its ETag
 * holds). The S3 client and the state module are loaded on first use so
 * start/stop/provision never pay for them.
 */

async function defaultS3(): Promise<S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client(s3ClientConfig());
}

export function schedulerUsageReader(bucket: string, key: string, makeS3: () => Promise<S3Client> = defaultS3): UsageReader {
  type Reader = ReturnType<typeof import('../shared/scheduler-state').cachedUsageReader>;
  let reader: Promise<Reader> | undefined;
  const load = async (): Promise<Reader> => {
    const { SchedulerStateStore, cachedUsageReader } = await import('../shared/scheduler-state');
    return cachedUsageReader(new SchedulerStateStore(await makeS3(), bucket, key));
  };
  return async (ids, now, opts) => {
    reader ??= load();
    reader.catch(() => (reader = undefined));
    return (await reader)(ids, now, opts);
  };
}
