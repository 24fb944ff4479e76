import { isForgePlatformError } from '@forge/api';
import Resolver from '@forge/resolver';
import type * as z from 'zod';
import { Resolvers, type ResolverData, type ResolverFailure, type ResolverInput, type ResolverName, type ResolverResult } from '../contract/resolvers';
import { JiraApiError } from '../adapters/jira-client';
import { errorName, log } from '../adapters/log';
import { VmApiError } from '../adapters/vm-api-client';
import { reportFailureOf as reportFailure } from './vm-service';
import { plainIssueMessage, type IssueLike } from '../domain/plain-issue';
import { callerOf, type CallerContext } from './forge-context';

export type { CallerContext } from './forge-context';

/**
 * Resolver plumbing shared by the panel and the admin page: payloads are validated against the
 * contract before a handler runs, every answer is the `{ok,data}|{ok:false,error}` envelope,
 * and known errors become a reason the page can show (never a stack or a secret).
 */

export class ResolverError extends Error {
  override readonly name = 'ResolverError';
  constructor(
    readonly code: ResolverFailure['error']['code'],
    message: string,
    readonly field?: string,
    readonly userCode?: string,
    readonly problems?: Problem[],
  ) {
    super(message);
  }
}

type Problem = NonNullable<ResolverFailure['error']['problems']>[number];

/** A VALIDATION_FAILED answer listing every problem by its label ("Idle days: at least 3"), never by path. */
export function problemsError(problems: Problem[]): ResolverError {
  return new ResolverError('VALIDATION_FAILED', problems.map((p) => `${p.label}: ${p.message}`).join('; '), problems[0]?.field, undefined, problems);
}

/**
 * A resolver's handler, typed from the contract's table: it receives the payload as the table's
 * schema parsed it (defaults applied, transforms run), so no handler re-parses or casts it.
 */
export type Handler<N extends ResolverName> = (payload: ResolverInput<N>, caller: CallerContext) => Promise<ResolverData<N>>;

/**
 * The contract's table seen as a mapped type over the names: indexing it with a generic name then
 * yields that name's schema (TypeScript cannot narrow an indexed access into the literal table).
 * The assignment is checked for every name, so no cast is needed.
 */
const PAYLOADS: { readonly [K in ResolverName]: { readonly payload: z.ZodType<ResolverInput<K>> } } = Resolvers;

function failure(e: unknown): ResolverFailure {
  if (e instanceof ResolverError)
    return { ok: false, error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}), ...(e.userCode ? { userCode: e.userCode } : {}), ...(e.problems ? { problems: e.problems } : {}) } };
  if (e instanceof VmApiError) {
    // The one mapping of failures to what people are told (user-errors.ts); the API's own
    // message stays in the log under the reference.
    const code = e.kind === 'rejected' && e.apiCode ? (e.apiCode as ResolverFailure['error']['code']) : 'UPSTREAM_FAILED';
    const shown = reportFailure(e, { op: 'resolver' });
    return { ok: false, error: { code, message: `${shown.cause} Reference ${shown.ref}.`, userCode: shown.code } };
  }
  if (e instanceof JiraApiError) {
    if (e.status === 403 || e.status === 401) return { ok: false, error: { code: 'FORBIDDEN', message: 'Jira did not allow this for your account.' } };
    if (e.status === 404) return { ok: false, error: { code: 'NOT_FOUND', message: 'The issue was not found or you cannot see it.' } };
    return { ok: false, error: { code: 'UPSTREAM_FAILED', message: `Jira answered HTTP ${e.status}.` } };
  }
  return { ok: false, error: { code: 'INTERNAL', message: 'Something went wrong on the server; the details are in the app log.' } };
}

/**
 * `label`: the payload's problems are answered by label (a settings page), `field` being the path
 * after `prefix` (the page's input names); without it, by payload path.
 */
export interface DefineOptions {
  label?: (path: string) => string;
  prefix?: string;
}

export function define<N extends ResolverName>(resolver: Resolver, name: N, handler: Handler<N>, options: DefineOptions = {}): void {
  resolver.define(name, async ({ payload, context }: { payload: unknown; context: unknown }): Promise<ResolverResult<N>> => {
    const parsed = PAYLOADS[name].payload.safeParse(payload ?? {});
    if (!parsed.success && options.label) {
      const label = options.label;
      const problems = parsed.error.issues.map((i) => {
        const path = i.path.map(String).join('.');
        return { field: options.prefix && path.startsWith(options.prefix) ? path.slice(options.prefix.length) : path, label: label(path), message: plainIssueMessage(i as IssueLike) };
      });
      const e = problemsError(problems);
      const first = parsed.error.issues[0]?.path.map(String).join('.');
      return { ok: false, error: { code: 'VALIDATION_FAILED', message: e.message, ...(first ? { field: first } : {}), problems } };
    }
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.map(String).join('.') || undefined;
      // Every problem at once, each in plain words (not zod's wording) after its payload path; the
      // first one's path also travels as `field`, so the page can put it next to its input.
      const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${plainIssueMessage(i as IssueLike)}`).join('; ');
      return { ok: false, error: { code: 'VALIDATION_FAILED', message, ...(field ? { field } : {}) } };
    }
    try {
      const data = await handler(parsed.data, callerOf(context));
      return { ok: true, data };
    } catch (e) {
      // Platform errors belong to Forge, not to the page: NeedsAuthenticationError leaving the
      // resolver is what makes Jira show the user the "Allow access" screen (a fresh install, or
      // new scopes); turned into an envelope, the user would be stuck on an error forever.
      if (e instanceof Error && isForgePlatformError(e)) throw e;
      const f = failure(e);
      if (f.error.code === 'INTERNAL' || f.error.code === 'UPSTREAM_FAILED') log.error('resolver failed', { resolver: name, error: errorName(e) });
      return f;
    }
  });
}
