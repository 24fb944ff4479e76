import { AwsError, throttlingError, type AwsService } from './protocol';
import type { StateReason } from './state';

/**
 * Failures a test or the preview can switch on. Each fault has a budget of `times` matching calls
 * (default: unlimited for capacity and fall-back faults, since AWS keeps failing until capacity
 * returns), and can be cleared through its handle.
 */
export type Fault =
  /** StartInstances for this id fails with InsufficientInstanceCapacity (HTTP 500, as EC2 reports it). */
  | { readonly kind: 'insufficient-capacity'; readonly instanceId: string; readonly times?: number }
  /** The next `calls` matching requests are throttled with the service's throttling code. */
  | { readonly kind: 'throttle'; readonly calls: number; readonly service?: AwsService; readonly operation?: string }
  /**
   * StartInstances is accepted (pending), then the instance falls back to `stopped` with a
   * StateReason, as EC2 does when capacity disappears during launch.
   */
  | { readonly kind: 'start-falls-back'; readonly instanceId: string; readonly reason?: StateReason; readonly times?: number }
  /**
   * Every `operation` call that names this instance fails as a whole with `code` (default HTTP
   * 400): EC2 checks a request before changing anything, so one refused id fails every id in it
   * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html), e.g.
   * UnauthorizedOperation (403) from a policy condition on the instance's tags.
   */
  | {
      readonly kind: 'instance-error';
      readonly operation: InstanceOperation;
      readonly instanceId: string;
      readonly code: string;
      readonly status?: number;
      readonly message?: string;
      readonly times?: number;
    }
  /** Any operation fails with the given code/status (e.g. IAM eventual consistency on RunInstances). */
  | {
      readonly kind: 'error';
      readonly service: AwsService;
      readonly operation: string;
      readonly code: string;
      readonly status: number;
      readonly message?: string;
      readonly times?: number;
    };

/** The EC2 calls that name instances and can carry an `instance-error` fault. */
export type InstanceOperation = 'StartInstances' | 'StopInstances' | 'TerminateInstances' | 'CreateTags';

export interface FaultHandle {
  /** Calls this fault will still affect (Infinity when unlimited, 0 when used up or cleared). */
  remaining(): number;
  clear(): void;
}

interface Armed {
  readonly fault: Fault;
  left: number;
}

export const DEFAULT_FALLBACK_REASON: StateReason = {
  code: 'Server.InsufficientInstanceCapacity',
  message: 'Server.InsufficientInstanceCapacity: Insufficient capacity.',
};

export class FaultBook {
  private readonly armed: Armed[] = [];

  add(fault: Fault): FaultHandle {
    const budget = fault.kind === 'throttle' ? fault.calls : (fault.times ?? Number.POSITIVE_INFINITY);
    if (!(budget > 0)) throw new RangeError(`fault budget must be positive, got ${budget}`);
    const entry: Armed = { fault, left: budget };
    this.armed.push(entry);
    return {
      remaining: () => entry.left,
      clear: () => {
        entry.left = 0;
      },
    };
  }

  clearAll(): void {
    for (const a of this.armed) a.left = 0;
  }

  /** A throttling or injected error for this call, if one is armed; consumes one unit of its budget. */
  takeCallFault(service: AwsService, operation: string): AwsError | undefined {
    for (const a of this.armed) {
      if (a.left <= 0) continue;
      const f = a.fault;
      if (f.kind === 'throttle' && (!f.service || f.service === service) && (!f.operation || f.operation === operation)) {
        a.left--;
        return throttlingError(service);
      }
      if (f.kind === 'error' && f.service === service && f.operation === operation) {
        a.left--;
        return new AwsError(f.code, f.message ?? `Injected ${f.code}`, f.status);
      }
    }
    return undefined;
  }

  /** The error a call of `operation` naming these ids must fail with, if armed; consumes one unit. */
  takeInstanceFault(operation: InstanceOperation, instanceIds: readonly string[]): AwsError | undefined {
    const a = this.armed.find((x) => x.left > 0 && x.fault.kind === 'instance-error' && x.fault.operation === operation && instanceIds.includes(x.fault.instanceId));
    if (!a || a.fault.kind !== 'instance-error') return undefined;
    a.left--;
    const f = a.fault;
    return new AwsError(f.code, f.message ?? `${f.code} for ${f.instanceId}`, f.status ?? 400);
  }

  /** Whether StartInstances of this id must fail for lack of capacity; consumes one unit. */
  takeCapacityFailure(instanceId: string): boolean {
    const a = this.armed.find((x) => x.left > 0 && x.fault.kind === 'insufficient-capacity' && x.fault.instanceId === instanceId);
    if (!a) return false;
    a.left--;
    return true;
  }

  /** The StateReason a start of this id falls back to stopped with, if armed; consumes one unit. */
  takeStartFallback(instanceId: string): StateReason | undefined {
    const a = this.armed.find((x) => x.left > 0 && x.fault.kind === 'start-falls-back' && x.fault.instanceId === instanceId);
    if (!a || a.fault.kind !== 'start-falls-back') return undefined;
    a.left--;
    return a.fault.reason ?? DEFAULT_FALLBACK_REASON;
  }
}
