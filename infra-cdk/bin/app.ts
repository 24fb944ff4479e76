#!/usr/bin/env node
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from '../lib/config';
import { layeredContext, loadStageSettings, stackNameOf } from '../lib/deploy-settings';
import { DevVmStack } from '../lib/dev-vm-stack';
import { BundlingLambdaFactory } from '../lib/lambda-factory';

// Environment-agnostic on purpose (no env): synthesis needs no account, no credentials and no
// lookups; region and account are resolved by CloudFormation at deploy time.
const app = new App();
const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
const stage = String(app.node.tryGetContext('stage') ?? process.env.DEV_VM_STAGE ?? 'default');
const settings = loadStageSettings(stage);
const { context, overridden } = layeredContext(app.node, settings);
if (overridden.length > 0) {
  // stderr, so `cdk synth > template.yaml` stays clean.
  console.error(`dev-vm: ${overridden.join(', ')} given with -c for this command only; CDK does not save it. Put it into ${path.relative(process.cwd(), settings.file)} to keep it.`);
}
new DevVmStack(app, app.node.tryGetContext('stackName') ?? stackNameOf(stage), {
  config: readConfig(context),
  lambdas: new BundlingLambdaFactory(),
  appVersion: version,
  description: 'Dev VM for Jira: per-developer cloud VMs, homes on EFS, per-client databases, working-hours scheduler',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
