import { EC2Client } from '@aws-sdk/client-ec2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { RETRY_CONFIG } from '../shared/clients';
import { Ec2Gateway } from '../shared/ec2';
import { loadEnv, NotifierEnv } from '../shared/env';
import { logger } from '../shared/powertools';
import { cached, deliver, DELIVERY_TIMEOUT_MS, secretLoader, ssmUrlLoader, type DeliveryResult, type EventBridgeEnvelope, type NotifierDeps } from './deliver';

/**
 * Entry point for the EventBridge rule on the lifecycle bus. Wiring only; see deliver.ts.
 * The URL is re-read every minute so an admin's change takes effect quickly; the secret every
 * 15 minutes, or at once after the web trigger rejects a signature (rotation).
 */
const env = loadEnv(NotifierEnv);
const url = cached(60_000, ssmUrlLoader(new SSMClient({ ...RETRY_CONFIG }), env.WEBTRIGGER_URL_PARAMETER));
const secret = cached(15 * 60_000, secretLoader(new SecretsManagerClient({ ...RETRY_CONFIG }), env.HMAC_SECRET_ARN));

// EC2 state changes and tag changes carry no usable tags: one DescribeInstances per such event.
const ec2 = new Ec2Gateway(new EC2Client({ ...RETRY_CONFIG }), env.MANAGED_BY);

const deps: NotifierDeps = {
  webtriggerUrl: () => url.get(),
  secret: () => secret.get(),
  forgetSecret: () => secret.forget(),
  fetch: (u, init) => fetch(u, init),
  lookupInstance: (id) => ec2.getManaged(id),
  log: {
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
  },
  // Longer than a web trigger may run (55 s), inside the function's timeout (see deliver.ts).
  timeoutMs: DELIVERY_TIMEOUT_MS,
};

export const handler = async (event: EventBridgeEnvelope): Promise<DeliveryResult> => deliver(event, deps, new Date());
