import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describeViolations } from '../support';
import { s, stack, json } from './template';

// The whole template: one snapshot, cdk-nag over every construct, and the outputs the admin copies.

describe('whole template', () => {
  it('matches the snapshot (asset hashes blanked): review any diff, then update with -u', () => {
    const text = JSON.stringify(json, null, 1).replace(/[0-9a-f]{64}(\.zip)?/g, '<asset-hash>');
    expect(JSON.parse(text)).toMatchSnapshot();
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged error or warning on the default stack', () => {
    expect(describeViolations(s.violations)).toEqual([]);
  });

  it('would report a finding (the check is live): a bare bucket fails S1/S10', () => {
    const app = new App();
    new s3.Bucket(new Stack(app, 'Bare'), 'Bucket');
    const rules = new AwsSolutionsChecks(app).validateScope(app).violations.map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
  });

  it('acknowledges only exact findings, next to the resource, each with a written reason', () => {
    const acks = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => ({ path: c.node.path, data: m.data as Record<string, string> })));
    // (aws-cdk-lib acknowledges one CloudFormation-Validate rule of its own on every stack; only cdk-nag's are ours.)
    const nag = acks.flatMap(({ path: where, data }) =>
      Object.entries(data)
        .map(([ruleId, reason]) => ({ where, id: ruleId.replace(/^annotation::/i, ''), reason }))
        .filter((a) => a.id.startsWith('AwsSolutions-')),
    );
    expect(nag.length).toBeGreaterThan(10);
    for (const a of nag) {
      expect(a.where).not.toBe(stack.node.path); // never stack-wide
      if (a.id.startsWith('AwsSolutions-IAM5')) expect(a.id).toMatch(/^AwsSolutions-IAM5\[(Resource|Action)::.+\]$/);
      expect(a.reason.length).toBeGreaterThan(40);
    }
  });
});

describe('outputs', () => {
  it('names everything the admin needs for the Dev VM settings page and the README', () => {
    expect(Object.keys(json.Outputs ?? {}).sort()).toEqual(
      [
        'ApiUrl', 'DeveloperGroupName', 'EfsFileSystemId', 'EventBusName', 'ForgeAccessKeySecretName', 'HmacSecretName', 'MysqlEndpoint',
        'PostgresEndpoint', 'Region', 'StateBucketName', 'WebtriggerUrlParameterName',
      ].sort(),
    );
  });
});
