import * as z from 'zod';

/**
 * The context Forge hands a Custom UI resolver, as documented in
 * https://developer.atlassian.com/platform/forge/runtime-reference/custom-ui-resolver/
 * (`accountId`, `cloudId`, `moduleKey`, `extension` with the module's `issue` and `project`).
 * Only the identities the app authorizes with are read. Every one is parsed on its own and falls
 * back to undefined when absent or of another shape, so a malformed context yields "unknown
 * caller" (which the handlers refuse), never a crash and never a guessed identity.
 */

/** A non-empty string; Jira sends issue ids as strings, older contexts as numbers. */
const Identity = z
  .union([z.string().min(1), z.number().int().nonnegative().transform(String)])
  .optional()
  .catch(undefined);

const Entity = z.looseObject({ key: Identity, id: Identity }).optional().catch(undefined);

const ResolverContext = z.looseObject({
  accountId: Identity,
  extension: z.looseObject({ issue: Entity, project: Entity }).optional().catch(undefined),
});

/** What a resolver learns about its caller; taken from Forge's context, never from the payload. */
export interface CallerContext {
  accountId: string | undefined;
  issueKey: string | undefined;
  issueId: string | undefined;
  /** The project of a project (settings) page, from Forge's context. */
  projectKey: string | undefined;
}

export function callerOf(context: unknown): CallerContext {
  const parsed = ResolverContext.safeParse(context);
  const c = parsed.success ? parsed.data : undefined;
  return { accountId: c?.accountId, issueKey: c?.extension?.issue?.key, issueId: c?.extension?.issue?.id, projectKey: c?.extension?.project?.key };
}
