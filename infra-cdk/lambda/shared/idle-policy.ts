import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { IdlePolicy } from '../../../src/contract/idle-policy';
import type { Log } from './powertools';

/**
 * The fleet's idle and stop rules in ONE SSM parameter (String, IdlePolicy as JSON): the VM API
 * writes it when the admin saves the "Idle and stop rules" (PUT /policy), the reconciler reads it
 * once per run. The parameter is created by the first save; until then, or when it cannot be read
 * or parsed, the reconciler keeps the stack's own values (its environment).
 */

/** Standard-tier String parameter (4 KB is far more than the policy needs). */
export async function putIdlePolicy(ssm: SSMClient, name: string, policy: IdlePolicy): Promise<void> {
  await ssm.send(new PutParameterCommand({ Name: name, Type: 'String', Value: JSON.stringify(IdlePolicy.parse(policy)), Overwrite: true, Description: 'Dev VM idle and stop rules, saved from the Jira admin page; read by the reconciler each run' }));
}

/** The slice of Powertools' SSMProvider the reconciler uses (tests pass the real one, against the stand-in). */
export interface ParameterReader {
  get(name: string, options: { maxAge: number }): Promise<unknown>;
}

/**
 * Seconds a warm reconciler container reuses the value (Powertools Parameters cache,
 * https://docs.aws.amazon.com/powertools/typescript/latest/features/parameters/#adjusting-cache-ttl):
 * shorter than the shortest run interval, so every run sees the latest save.
 */
export const POLICY_MAX_AGE_SECONDS = 55;

export type PolicyRead = { source: 'parameter'; policy: IdlePolicy } | { source: 'stack'; why: 'absent' | 'unreadable' };

export async function readIdlePolicy(reader: ParameterReader, name: string, log: Log): Promise<PolicyRead> {
  let raw: unknown;
  try {
    raw = await reader.get(name, { maxAge: POLICY_MAX_AGE_SECONDS });
  } catch (e) {
    // Powertools wraps the SDK's error in GetParameterError with the original as its cause.
    const cause = (e as { cause?: { name?: string } }).cause?.name ?? (e as { name?: string }).name ?? 'Error';
    if (cause === 'ParameterNotFound') return { source: 'stack', why: 'absent' };
    log.warn('idle policy parameter unreadable: using the stack values', { parameter: name, code: cause });
    return { source: 'stack', why: 'unreadable' };
  }
  let json: unknown;
  try {
    json = typeof raw === 'string' ? JSON.parse(raw) : undefined;
  } catch {
    json = undefined;
  }
  const parsed = IdlePolicy.safeParse(json);
  if (!parsed.success) {
    log.warn('idle policy parameter is not a valid policy: using the stack values', { parameter: name, problem: parsed.error.issues[0]?.path.join('.') || 'not JSON' });
    return { source: 'stack', why: 'unreadable' };
  }
  return { source: 'parameter', policy: parsed.data };
}
