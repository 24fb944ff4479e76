import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { BundlingLambdaFactory } from '../../infra-cdk/lib/lambda-factory';

// The production factory, on a bare stack: each handler is bundled by the local esbuild (no
// Docker), minified, with the AWS SDK left to the runtime.
const app = new App({ context: { 'aws:cdk:bundling-stacks': ['**'] } });
const stack = new Stack(app, 'Bundles');
const factory = new BundlingLambdaFactory();
const entries = ['vm-api/handler.ts', 'reconciler/handler.ts', 'notifier/handler.ts'];
const fns = entries.map((entry, i) =>
  factory.create(stack, `Fn${i}`, { entry, serviceName: `svc-${i}`, description: entry, environment: {} }),
);
const assembly = app.synth();
const template = Template.fromStack(stack);

describe('production Lambda factory (NodejsFunction + local esbuild)', () => {
  it.each(entries.map((e, i) => [e, i] as const))('bundles %s into one minified index.js without the AWS SDK', (_entry, i) => {
    const fn = template.toJSON().Resources[stack.getLogicalId(fns[i]!.node.defaultChild as never)];
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
    const asset = fns[i]!.node.findChild('Code') as s3assets.Asset;
    const assetDir = path.join(assembly.directory, asset.assetPath);
    const code = fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8');
    expect(code).not.toMatch(/^\/\/ (infra-cdk|src|node_modules)\//m); // minified: no per-module path comments
    expect(code).not.toMatch(/node_modules\/@aws-sdk\/client-/); // the SDK stays external
    expect(code).toMatch(/require\("@aws-sdk\/client-[a-z0-9-]+"\)/);
  });
});
