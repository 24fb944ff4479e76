import { matchesFilters, type FilterableInstance } from '../../local/aws/ec2-filters';

/**
 * The local platform's one DescribeInstances filter implementation, as the wire stand-in and the
 * SDK-level test fakes both apply it: filters AND, values of one filter OR, `*`/`?` wildcards,
 * an unknown filter refused as EC2 refuses it.
 */

const vm: FilterableInstance = {
  instanceId: 'i-0123456789abcdef0',
  state: 'running',
  tags: new Map([
    ['ManagedBy', 'dev-vm-for-jira'],
    ['JiraIssue', 'OPS-42'],
  ]),
  instanceType: 't3.large',
};

describe('matchesFilters', () => {
  it.each([
    ['no filter', [], true],
    ['a tag value', [{ name: 'tag:JiraIssue', values: ['OPS-42'] }], true],
    ['another tag value', [{ name: 'tag:JiraIssue', values: ['OPS-41'] }], false],
    ['a tag the instance lacks', [{ name: 'tag:KeptAt', values: ['*'] }], false],
    ['one of several values (OR)', [{ name: 'instance-state-name', values: ['stopped', 'running'] }], true],
    ['every filter (AND), one failing', [{ name: 'tag:ManagedBy', values: ['dev-vm-for-jira'] }, { name: 'instance-type', values: ['t3.medium'] }], false],
    ['a wildcard', [{ name: 'tag:JiraIssue', values: ['OPS-*'] }], true],
    ['a one-character wildcard', [{ name: 'instance-type', values: ['t3.?arge'] }], true],
    ['tag-key', [{ name: 'tag-key', values: ['Jira*'] }], true],
    ['the state code', [{ name: 'instance-state-code', values: ['16'] }], true],
    ['a field the view does not know (client-token)', [{ name: 'client-token', values: ['abc'] }], false],
  ])('%s', (_what, filters, expected) => {
    expect(matchesFilters(vm, filters)).toBe(expected);
  });

  it('refuses an unknown filter name as EC2 does', () => {
    expect(() => matchesFilters(vm, [{ name: 'colour', values: ['blue'] }])).toThrow(expect.objectContaining({ code: 'InvalidParameterValue', message: "The filter 'colour' is invalid" }));
  });
});
