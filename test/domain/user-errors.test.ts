import { userErrorOf } from '../../src/domain/user-errors';

/** Each way a VM API call can fail has its own code and a cause a person can act on, never internals. */
describe('userErrorOf', () => {
  it.each([
    [{ kind: 'dns' as const }, 'VM_API_UNREACHABLE', /could not be reached \(no answer\)/],
    [{ kind: 'egress' as const }, 'VM_API_EGRESS', /egress list \(manifest\.yml\)/],
    [{ kind: 'signature' as const }, 'VM_API_CREDENTIALS', /access key/],
    [{ kind: 'not-found' as const }, 'VM_API_URL', /API URL/],
    [{ kind: 'rejected' as const, apiCode: 'VALIDATION_FAILED', field: 'instanceType' }, 'REQUEST_INVALID', /field instanceType/],
    [{ kind: 'rejected' as const, apiCode: 'INSUFFICIENT_CAPACITY' }, 'NO_CAPACITY', /capacity/],
    [{ kind: 'http' as const, apiCode: 'UPSTREAM_FAILED' }, 'AWS_FAILED', /answered, but the request failed inside AWS.*reference/],
    [{ kind: 'rejected' as const, apiCode: 'NOT_ALLOWED' }, 'VM_API_REFUSED', /answered and refused/],
    [{ kind: 'http' as const, apiCode: 'UPSTREAM_FAILED', field: 'databases' }, 'DATABASE_FAILED', /database or the developer’s login failed/],
  ])('%j → %s', (failure, code, cause) => {
    const e = userErrorOf(failure);
    expect(e.code).toBe(code);
    expect(e.cause).toMatch(cause);
  });

  it('never says "could not be reached" when the API answered', () => {
    for (const kind of ['http', 'rejected', 'bad-response'] as const) expect(userErrorOf({ kind, apiCode: 'INTERNAL' }).cause).not.toMatch(/could not be reached/);
  });

  it('never repeats a field name that is not a plain identifier', () => {
    expect(userErrorOf({ kind: 'rejected', apiCode: 'VALIDATION_FAILED', field: 'x; DROP TABLE' }).cause).not.toContain('DROP');
  });
});
