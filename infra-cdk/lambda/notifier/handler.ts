import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { createEc2Client, createS3Client, RETRY_CONFIG } from '../shared/clients';
import type { Ec2Gateway } from '../shared/ec2';
import type { TestDeliveryStore } from '../shared/test-delivery';
import { loadEnv, NotifierEnv } from '../shared/env';
import { instrument, logger } from '../shared/powertools';
import { deliver, DELIVERY_TIMEOUT_MS, parameterDeps, type DeliveryResult, type EventBridgeEnvelope, type NotifierDeps, type ParameterSource } from './deliver';

/**
 * Entry point for the EventBridge rule on the lifecycle bus. Wiring only; see deliver.ts.
 * The URL and the secret come from Powertools Parameters, cached per container (deliver.ts says
 * how long). The providers, and with them the SSM and Secrets Manager SDK clients, are loaded on
 * the first event instead of at cold start: module init stays small, and nothing is loaded twice.
 */
const env = loadEnv(NotifierEnv);

/** One provider per store, created on first use and kept for the container's life (its cache). */
function lazyProvider(load: () => Promise<ParameterSource>): ParameterSource {
  let provider: Promise<ParameterSource> | undefined;
  return {
    get: async (name, options) => {
      provider ??= load().catch((e: unknown) => {
        provider = undefined;
        throw e;
      });
      return (await provider).get(name, options);
    },
  };
}

const ssm = lazyProvider(async (): Promise<SSMProvider> => new (await import('@aws-lambda-powertools/parameters/ssm')).SSMProvider({ clientConfig: { ...RETRY_CONFIG } }));
const secrets = lazyProvider(
  async (): Promise<SecretsProvider> => new (await import('@aws-lambda-powertools/parameters/secrets')).SecretsProvider({ clientConfig: { ...RETRY_CONFIG } }),
);

// EC2 state changes and tag changes carry no usable tags: one DescribeInstances per such event.
// Built on the first such event, not at cold start (most deliveries are the app's own events).
// The gateway module pulls in the EC2 SDK, so it is loaded here too rather than at module init.
let gateway: Promise<Ec2Gateway> | undefined;
const ec2 = (): Promise<Ec2Gateway> =>
  (gateway ??= Promise.all([import('../shared/ec2'), createEc2Client()]).then(([m, client]) => new m.Ec2Gateway(client, env.MANAGED_BY)));

// Connection tests only (shared/test-delivery.ts): the S3 client and the store load on the first one.
let testStore: Promise<TestDeliveryStore> | undefined;
const testDeliveries = (): Promise<TestDeliveryStore> =>
  (testStore ??= import('../shared/test-delivery').then((m) => {
    const s3 = createS3Client();
    return m.s3TestDeliveryStore(env.STATE_BUCKET, async () => s3);
  }));

const deps: NotifierDeps = {
  ...parameterDeps(ssm, secrets, { urlParameter: env.WEBTRIGGER_URL_PARAMETER, secretArn: env.HMAC_SECRET_ARN }),
  fetch: (u, init) => fetch(u, init),
  lookupInstance: async (id) => (await ec2()).getManaged(id),
  log: logger,
  // Longer than a web trigger may run (55 s), inside the function's timeout (see deliver.ts).
  timeoutMs: DELIVERY_TIMEOUT_MS,
  recordTestDelivery: async (nonce, outcome) => (await testDeliveries()).put(nonce, outcome),
};

export const handler = instrument(async (event: EventBridgeEnvelope): Promise<DeliveryResult> => deliver(event, deps, new Date()));
