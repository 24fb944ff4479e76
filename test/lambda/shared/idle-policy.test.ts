import { DEFAULT_IDLE_RULES } from '../../../src/contract/idle-policy';
import { POLICY_MAX_AGE_SECONDS, readIdlePolicy, type ParameterReader } from '../../../infra-cdk/lambda/shared/idle-policy';

/**
 * The reconciler's read of the admin's idle policy: the saved policy when the parameter holds a
 * valid one; the stack's values when it was never saved (quietly) or cannot be used (with a
 * warning naming why, never the value).
 */

const logs: { level: string; message: string; extra?: Record<string, unknown> }[] = [];
const log = {
  info: (message: string, extra?: Record<string, unknown>) => void logs.push({ level: 'info', message, ...(extra ? { extra } : {}) }),
  warn: (message: string, extra?: Record<string, unknown>) => void logs.push({ level: 'warn', message, ...(extra ? { extra } : {}) }),
  error: (message: string, extra?: Record<string, unknown>) => void logs.push({ level: 'error', message, ...(extra ? { extra } : {}) }),
};
const POLICY = { ...DEFAULT_IDLE_RULES, idleStopMinutes: 45, idleDays: 30 };
const answering = (value: unknown): ParameterReader & { asked: { name: string; maxAge: number }[] } => {
  const asked: { name: string; maxAge: number }[] = [];
  return {
    asked,
    get: async (name, options) => {
      asked.push({ name, maxAge: options.maxAge });
      if (value instanceof Error) throw value;
      return value;
    },
  };
};
/** Powertools wraps the SDK error in GetParameterError with the original as its cause. */
const wrapped = (name: string) => Object.assign(new Error('GetParameterError'), { name: 'GetParameterError', cause: Object.assign(new Error(name), { name }) });

beforeEach(() => (logs.length = 0));

test('a saved policy is used, read with the short cache', async () => {
  const reader = answering(JSON.stringify(POLICY));
  expect(await readIdlePolicy(reader, '/dev-vm/idle-policy', log)).toEqual({ source: 'parameter', policy: POLICY });
  expect(reader.asked).toEqual([{ name: '/dev-vm/idle-policy', maxAge: POLICY_MAX_AGE_SECONDS }]);
  expect(POLICY_MAX_AGE_SECONDS).toBeLessThan(60);
  expect(logs).toEqual([]);
});

test('never saved (ParameterNotFound): the stack values, without a warning', async () => {
  expect(await readIdlePolicy(answering(wrapped('ParameterNotFound')), '/dev-vm/idle-policy', log)).toEqual({ source: 'stack', why: 'absent' });
  expect(logs).toEqual([]);
});

test.each([
  ['access denied', wrapped('AccessDeniedException'), { parameter: '/dev-vm/idle-policy', code: 'AccessDeniedException' }],
  ['not JSON', 'idle=45', { parameter: '/dev-vm/idle-policy', problem: 'not JSON' }],
  ['out of bounds', JSON.stringify({ ...POLICY, idleStopMinutes: 5 }), { parameter: '/dev-vm/idle-policy', problem: 'idleStopMinutes' }],
  ['warning after the termination', JSON.stringify({ ...POLICY, idleWarningDays: 30 }), { parameter: '/dev-vm/idle-policy', problem: 'idleWarningDays' }],
])('%s: the stack values, with a warning', async (_name, value, extra) => {
  expect(await readIdlePolicy(answering(value), '/dev-vm/idle-policy', log)).toEqual({ source: 'stack', why: 'unreadable' });
  expect(logs).toEqual([{ level: 'warn', message: expect.stringMatching(/using the stack values$/), extra }]);
});
