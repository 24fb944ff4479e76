import type { VmApiEnv } from '../../lambda/shared/env';
import type { EnvFor } from '../lambda-env';

/** The variables every function shares (the `Common` part of lambda/shared/env.ts). */
type Shared = 'MANAGED_BY' | 'SECRET_PREFIX' | 'EVENT_BUS_NAME' | 'STATE_BUCKET' | 'STATE_KEY';
export type CommonEnv = Pick<EnvFor<typeof VmApiEnv>, Shared>;
