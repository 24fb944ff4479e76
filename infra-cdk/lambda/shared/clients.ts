import type { EC2Client, EC2ClientConfig } from '@aws-sdk/client-ec2';
import type { EFSClient } from '@aws-sdk/client-efs';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import { tracer } from './powertools';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

/**
 * The one place AWS SDK clients are configured. Endpoints are deliberately NOT set here: SDK v3
 * resolves `AWS_ENDPOINT_URL` (and `AWS_ENDPOINT_URL_<SERVICE>`) from the environment itself, so
 * the same bundle runs against AWS or an emulator. Throttling (RequestLimitExceeded,
 * ThrottlingException, 429/503) is retried by the SDK's adaptive retry strategy, which also
 * rate-limits the client after a throttle instead of hammering the API.
 */
export const RETRY_CONFIG = { retryMode: 'adaptive', maxAttempts: 5 } as const;

/**
 * S3 settings: path-style addressing when AWS_ENDPOINT_URL points at an emulator, whose hostname
 * (e.g. localhost:4566) has no per-bucket DNS names; real S3 keeps virtual-hosted addressing.
 */
export const s3ClientConfig = (env: Record<string, string | undefined> = process.env) =>
  ({ ...RETRY_CONFIG, forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL) }) as const;

/** Extra client settings; tests pass a request handler here, production passes nothing. */
export type ClientOverrides = Pick<EC2ClientConfig, 'requestHandler' | 'region' | 'credentials'>;

/*
 * Each SDK package is imported when its factory is first called, not when this module is
 * imported: every Lambda imports this module (for RETRY_CONFIG and the error helpers), and
 * loading EC2, EFS and IAM clients it does not use would cost each cold start hundreds of ms.
 * The SDK stays external to the bundles (the Lambda runtime provides it). It is loaded with
 * `import()`, like the gateways' static imports, so the ES-module bundles (infra-cdk/lib/bundling.ts)
 * load one build of each SDK package: a `require()` here would load its CommonJS build a second time.
 */
export async function createEc2Client(o: ClientOverrides = {}): Promise<EC2Client> {
  const sdk = await import('@aws-sdk/client-ec2');
  return tracer.captureAWSv3Client(new sdk.EC2Client({ ...RETRY_CONFIG, ...o }));
}
export async function createEfsClient(o: ClientOverrides = {}): Promise<EFSClient> {
  const sdk = await import('@aws-sdk/client-efs');
  return tracer.captureAWSv3Client(new sdk.EFSClient({ ...RETRY_CONFIG, ...o }));
}
export async function createIamClient(o: ClientOverrides = {}): Promise<IAMClient> {
  const sdk = await import('@aws-sdk/client-iam');
  return tracer.captureAWSv3Client(new sdk.IAMClient({ ...RETRY_CONFIG, ...o }));
}
export async function createS3Client(o: ClientOverrides = {}): Promise<S3Client> {
  const sdk = await import('@aws-sdk/client-s3');
  return tracer.captureAWSv3Client(new sdk.S3Client({ ...s3ClientConfig(), ...o }));
}
export async function createEventBridgeClient(o: ClientOverrides = {}): Promise<EventBridgeClient> {
  const sdk = await import('@aws-sdk/client-eventbridge');
  return tracer.captureAWSv3Client(new sdk.EventBridgeClient({ ...RETRY_CONFIG, ...o }));
}
export async function createSsmClient(o: ClientOverrides = {}): Promise<SSMClient> {
  const sdk = await import('@aws-sdk/client-ssm');
  return tracer.captureAWSv3Client(new sdk.SSMClient({ ...RETRY_CONFIG, ...o }));
}
export async function createCloudWatchClient(o: ClientOverrides = {}): Promise<CloudWatchClient> {
  const sdk = await import('@aws-sdk/client-cloudwatch');
  return tracer.captureAWSv3Client(new sdk.CloudWatchClient({ ...RETRY_CONFIG, ...o }));
}

/** Shape of an error thrown by an SDK v3 client (service exception or SDK-side failure). */
export interface AwsErrorLike {
  name: string;
  message: string;
  Code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

export function isAwsError(e: unknown): e is AwsErrorLike {
  return typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string' && ('$metadata' in e || '$fault' in e);
}

/**
 * The error's code: for an SDK error the service's (EC2 puts it in `Code`, others in `name`),
 * for any other error its `name`; 'Error' when the thrown value is not an object.
 */
export function errorCode(e: unknown): string {
  if (typeof e !== 'object' || e === null) return 'Error';
  const err = e as { Code?: unknown; name?: unknown };
  if (typeof err.Code === 'string') return err.Code;
  return typeof err.name === 'string' ? err.name : 'Error';
}

/**
 * True when an SDK error carries one of these codes. Query-protocol services (EC2, IAM) put the
 * wire code in `Code` while the exception class is named `<Code>Exception`; both forms match.
 */
export function errorIs(e: unknown, ...codes: string[]): boolean {
  if (!isAwsError(e)) return false;
  return codes.some((c) => e.Code === c || e.name === c || e.name === `${c}Exception`);
}
