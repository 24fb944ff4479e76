import type { EventPattern } from '../../infra-cdk/lambda/notifier/aws-events';

/**
 * EventBridge's matching of an event against a pattern of exact values
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html): every field of
 * the pattern must be present; a value matches when it is one of the listed values, and an ARRAY
 * in the event matches when any of its elements is ("changed-tag-keys": ["DevVmBootStatus"]
 * matches an event that changed several keys, that one among them).
 */
export function matchesPattern(pattern: EventPattern, event: Record<string, unknown>): boolean {
  for (const [field, expected] of Object.entries(pattern)) {
    const actual = event[field];
    if (Array.isArray(expected)) {
      const values = Array.isArray(actual) ? actual : [actual];
      if (!values.some((v) => typeof v === 'string' && (expected as readonly string[]).includes(v))) return false;
    } else {
      if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false;
      if (!matchesPattern(expected as EventPattern, actual as Record<string, unknown>)) return false;
    }
  }
  return true;
}
