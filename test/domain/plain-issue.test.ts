import * as z from 'zod';
import { plainIssueMessage, type IssueLike } from '../../src/domain/plain-issue';

const first = (schema: z.ZodType, value: unknown): string => {
  const r = schema.safeParse(value);
  if (r.success) throw new Error('expected a problem');
  return plainIssueMessage(r.error.issues[0] as IssueLike);
};

/** Item 11: zod's wording becomes words a person acts on; our own schema messages are kept. */
describe('plainIssueMessage', () => {
  it.each([
    [z.number().int().min(3), 1, 'at least 3'],
    [z.number().max(365), 400, 'at most 365'],
    [z.string().min(1), '', 'required'],
    [z.string().max(5), 'abcdefg', 'at most 5 characters'],
    [z.object({ a: z.number() }), {}, 'required'],
    [z.number(), 'x', 'must be a number'],
    [z.string().regex(/^a/, 'must start with a'), 'b', 'must start with a'],
    [z.enum(['a', 'b']), 'c', 'not a valid value'],
  ])('%#: %j → %s', (schema, value, words) => {
    expect(first(schema as z.ZodType, value)).toBe(words);
  });
  it('NaN from an emptied number input reads as a number problem, not zod', () => {
    expect(first(z.number().min(3), Number.NaN)).not.toMatch(/Invalid|expected/);
  });
});
