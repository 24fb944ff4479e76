import type { StandInClock } from './clock';
import type { FaultBook } from './faults';
import type { AwsState } from './state';

/** What a service module needs to serve one request. */
export interface ServiceContext {
  readonly state: AwsState;
  readonly clock: StandInClock;
  readonly faults: FaultBook;
  /** How long pending/stopping/shutting-down last on the stand-in clock. */
  readonly transitionMs: number;
  /** When true, buckets and file systems must be registered first (NoSuchBucket / FileSystemNotFound otherwise). */
  readonly strictResources: boolean;
  /** When true, what moto 5 does not implement fails the way moto fails (the `client-token` filter). */
  readonly motoCompatible: boolean;
}
