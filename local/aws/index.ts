/**
 * Simulated AWS for the local preview and the end-to-end test (server.ts has the details).
 *
 *   const aws = await startAwsStandIn({ transitionSeconds: 0 });
 *   Object.assign(process.env, aws.env());   // AWS_ENDPOINT_URL, AWS_REGION, signing credential
 *   // …run the unmodified Lambda handlers; their SDK clients reach the stand-in…
 *   aws.settle();                             // finish pending/stopping/shutting-down now
 *   aws.snapshot();                           // plain JSON for the preview page
 *   await aws.close();
 *
 * Clients need no special options: with an IP endpoint (the stand-in's url is 127.0.0.1) S3 uses
 * path-style by itself. Only with a hostname endpoint such as http://localhost:port must S3 clients
 * set `forcePathStyle: true` (bucket.localhost does not resolve on most machines).
 * Requests must be SigV4-signed with `aws.credentials` (STAND_IN_CREDENTIALS unless configured).
 * Standalone: `npx tsx local/aws/main.ts --port 4566`.
 */
export { SNAPSHOT_PATH, startAwsStandIn, type AwsStandIn } from './server';
export type { AwsSnapshot } from './snapshot';
