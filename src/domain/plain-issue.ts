/**
 * A schema problem in words a person acts on: zod's defaults ("Too small: expected number to be
 * >=3") become "at least 3"; messages written into the schemas (already plain) are kept. Shared by
 * the admin page's own checks and the resolvers' answers, so both say the same thing.
 */
export interface IssueLike {
  code: string;
  message: string;
  origin?: string | undefined;
  minimum?: number | bigint | undefined;
  maximum?: number | bigint | undefined;
  inclusive?: boolean | undefined;
  expected?: string | undefined;
}

const unit = (origin: string | undefined, n: number | bigint): string => {
  const one = Number(n) === 1;
  if (origin === 'string') return `${n} character${one ? '' : 's'}`;
  if (origin === 'array' || origin === 'set') return `${n} item${one ? '' : 's'}`;
  return String(n);
};

/** zod's own wording (its defaults start so); a message written into our schemas is already plain. */
const ZOD_WORDING = /^(Invalid|Too (small|big)|Expected|Required)/;

export function plainIssueMessage(i: IssueLike): string {
  if (!ZOD_WORDING.test(i.message)) return i.message;
  switch (i.code) {
    case 'too_small':
      if (i.minimum === undefined) break;
      if ((i.origin === 'string' || i.origin === 'array') && Number(i.minimum) === 1) return 'required';
      return `${i.inclusive === false ? 'more than' : 'at least'} ${unit(i.origin, i.minimum)}`;
    case 'too_big':
      if (i.maximum === undefined) break;
      return `${i.inclusive === false ? 'less than' : 'at most'} ${unit(i.origin, i.maximum)}`;
    case 'invalid_type':
      // zod does not carry the input by default; its message ends with what it received.
      if (/received (undefined|null)$/.test(i.message)) return 'required';
      return i.expected === 'number' || i.expected === 'int' ? 'must be a number' : i.expected ? `must be a ${i.expected}` : 'not valid';
    default:
      break;
  }
  return 'not a valid value';
}
