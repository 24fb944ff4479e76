import * as z from 'zod';

/** The one error shape of the VM API: `{error: {code, message, field?}}`. */
export const ErrorCode = z.enum([
  'VALIDATION_FAILED',
  'NOT_ALLOWED',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  'INSUFFICIENT_CAPACITY',
  'THROTTLED',
  'UNAUTHORIZED',
  'UPSTREAM_FAILED',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ApiErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    field: z.string().optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

export const HTTP_STATUS_OF: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  INSUFFICIENT_CAPACITY: 503,
  THROTTLED: 429,
  UNAUTHORIZED: 401,
  UPSTREAM_FAILED: 502,
  INTERNAL: 500,
};

/** Thrown by API code and mapped to the error body and status in one place. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  get status(): number {
    return HTTP_STATUS_OF[this.code];
  }
  toBody(): ApiErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } };
  }
}

/** Turn zod issues into the API's error: the first problem names its field. */
export function validationError(issues: readonly z.core.$ZodIssue[]): ApiError {
  const first = issues[0];
  const field = first && first.path.length > 0 ? first.path.map(String).join('.') : undefined;
  const message = issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
  return new ApiError('VALIDATION_FAILED', message || 'invalid request', field);
}
