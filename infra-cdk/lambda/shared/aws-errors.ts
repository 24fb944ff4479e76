import { ApiError } from '../../../src/contract/errors';
import { errorCode, errorIs, isAwsError } from './clients';

/**
 * SDK errors → the API's one error shape. Each message says what happened and what to do; none
 * repeats request bodies. Errors that are not from AWS become INTERNAL without their message,
 * because an unexpected exception's text may hold anything.
 */
export function toApiError(e: unknown, context: { instanceType?: string } = {}): ApiError {
  if (e instanceof ApiError) return e;
  if (!isAwsError(e)) return new ApiError('INTERNAL', 'internal error; see the VM API logs', undefined, { cause: e });
  const code = errorCode(e);
  if (errorIs(e, 'InsufficientInstanceCapacity')) {
    const what = context.instanceType ? `${context.instanceType} capacity` : 'capacity for this instance type';
    return new ApiError(
      'INSUFFICIENT_CAPACITY',
      `AWS has no ${what} in this Availability Zone right now (InsufficientInstanceCapacity). Try again in a few minutes or choose another instance type.`,
      undefined,
      { cause: e },
    );
  }
  if (errorIs(e, 'IncorrectInstanceState')) {
    return new ApiError('CONFLICT', `The VM is not in a state that allows this action: ${e.message}`, undefined, { cause: e });
  }
  if (errorIs(e, 'IdempotentParameterMismatch')) {
    return new ApiError('CONFLICT', 'This idempotency key was already used for a different request; use a new key for a new VM.', 'idempotencyKey', { cause: e });
  }
  if (errorIs(e, 'InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed')) {
    return new ApiError('NOT_FOUND', 'No such VM', 'id', { cause: e });
  }
  if (errorIs(e, 'RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'ThrottledException')) {
    return new ApiError('THROTTLED', `AWS is throttling the VM API (${code}) even after retries; try again shortly.`, undefined, { cause: e });
  }
  if (errorIs(e, 'UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException')) {
    return new ApiError('UPSTREAM_FAILED', `The VM API's role is not allowed to do this (${code}); check the stack's IAM policy.`, undefined, { cause: e });
  }
  return new ApiError('UPSTREAM_FAILED', `AWS call failed: ${code}: ${e.message}`, undefined, { cause: e });
}
