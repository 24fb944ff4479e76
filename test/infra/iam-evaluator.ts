/**
 * A small model of IAM's identity-policy evaluation, enough to reason about the statements this
 * stack writes: explicit Deny wins, then any Allow, else implicit deny. It implements the
 * operators the stack uses (String*, Arn*, Bool, Null, the IfExists forms) with policy variables
 * (`${aws:PrincipalTag/X}`, `${aws:username}`), and wildcard matching of actions and resources.
 * Semantics follow the IAM User Guide: a condition on a key missing from the request is false
 * (true for the negated operators and for ...IfExists); a policy variable whose key is missing
 * makes its condition false; condition key names are case-insensitive, values are not.
 */
export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface Request {
  action: string;
  resource: string;
  /** Request context keys (aws:PrincipalTag/…, ssm:resourceTag/…, aws:username, …). */
  context: Record<string, string>;
}

export type Decision = 'Allow' | 'ImplicitDeny' | 'ExplicitDeny';

const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

function lookup(context: Record<string, string>, key: string): string | undefined {
  const k = Object.keys(context).find((c) => c.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : context[k];
}

/** Substitute `${key}` variables; undefined when one of them is missing from the context. */
function substitute(value: string, context: Record<string, string>): string | undefined {
  let missing = false;
  const out = value.replace(/\$\{([^}]+)\}/g, (_, key: string) => {
    const v = lookup(context, key);
    if (v === undefined) missing = true;
    return v ?? '';
  });
  return missing ? undefined : out;
}

function glob(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^$()|[\]\\{}]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, caseInsensitive ? 'i' : '');
  return re.test(value);
}

function conditionHolds(operator: string, key: string, expected: string | string[], context: Record<string, string>): boolean {
  const ifExists = operator.endsWith('IfExists');
  const op = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const actual = lookup(context, key);
  if (op === 'Null') return (actual === undefined) === (list(expected)[0] === 'true');
  const negated = /Not/.test(op);
  if (actual === undefined) return ifExists || negated;
  const values = list(expected).map((e) => substitute(e, context));
  const match = (e: string | undefined): boolean => {
    if (e === undefined) return false;
    switch (op.replace('Not', '')) {
      case 'StringEquals':
      case 'ArnEquals':
        return actual === e;
      case 'StringEqualsIgnoreCase':
        return actual.toLowerCase() === e.toLowerCase();
      case 'StringLike':
      case 'ArnLike':
        return glob(e, actual);
      case 'Bool':
        return actual.toLowerCase() === e.toLowerCase();
      default:
        throw new Error(`operator ${operator} not modelled`);
    }
  };
  const any = values.some(match);
  return negated ? !any : any;
}

function statementApplies(st: PolicyStatement, req: Request): boolean {
  if (!list(st.Action).some((a) => glob(a, req.action, true))) return false;
  if (!list(st.Resource).some((r) => {
    const pattern = substitute(r, req.context);
    return pattern !== undefined && glob(pattern, req.resource);
  })) return false;
  for (const [operator, keys] of Object.entries(st.Condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) if (!conditionHolds(operator, key, expected, req.context)) return false;
  }
  return true;
}

export function evaluate(statements: readonly PolicyStatement[], req: Request): Decision {
  const applicable = statements.filter((st) => statementApplies(st, req));
  if (applicable.some((st) => st.Effect === 'Deny')) return 'ExplicitDeny';
  return applicable.some((st) => st.Effect === 'Allow') ? 'Allow' : 'ImplicitDeny';
}

/** StartSession is authorised against the instance and the session document; both must be allowed. */
export function evaluateAll(statements: readonly PolicyStatement[], reqs: Request[]): Decision {
  const decisions = reqs.map((r) => evaluate(statements, r));
  if (decisions.includes('ExplicitDeny')) return 'ExplicitDeny';
  return decisions.every((d) => d === 'Allow') ? 'Allow' : 'ImplicitDeny';
}
