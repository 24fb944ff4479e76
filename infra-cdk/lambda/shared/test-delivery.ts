import type { S3Client } from '@aws-sdk/client-s3';
import { TestDelivery } from '../../../src/contract/vm-api';
import { testDeliveryKey } from '../../../src/contract/events';

/**
 * The outcome of one connection-test delivery, kept in the stack's state bucket under
 * `connection-tests/` (a lifecycle rule expires them after a day): the notifier writes it, the VM
 * API reads it back for the app. S3 rather than an answer on the bus because the notifier runs
 * outside the VPC and the API inside it; both reach S3 (the API through the gateway endpoint).
 */
export interface TestDeliveryStore {
  put(nonce: string, outcome: Exclude<TestDelivery, { state: 'pending' }>): Promise<void>;
  /** Undefined while the notifier has not reported. */
  get(nonce: string): Promise<TestDelivery | undefined>;
}

export function s3TestDeliveryStore(bucket: string, s3: () => Promise<S3Client>): TestDeliveryStore {
  return {
    async put(nonce, outcome) {
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      await (await s3()).send(new PutObjectCommand({ Bucket: bucket, Key: testDeliveryKey(nonce), Body: JSON.stringify(outcome), ContentType: 'application/json' }));
    },
    async get(nonce) {
      const { GetObjectCommand } = await import('@aws-sdk/client-s3');
      try {
        const res = await (await s3()).send(new GetObjectCommand({ Bucket: bucket, Key: testDeliveryKey(nonce) }));
        const parsed = TestDelivery.safeParse(JSON.parse((await res.Body?.transformToString('utf8')) ?? ''));
        return parsed.success ? parsed.data : undefined;
      } catch (e) {
        // With s3:ListBucket on the prefix a missing object is NoSuchKey (404), not AccessDenied.
        if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
        throw e;
      }
    },
  };
}
