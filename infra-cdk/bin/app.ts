#!/usr/bin/env node
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from '../lib/config';
import { DevVmStack } from '../lib/dev-vm-stack';
import { BundlingLambdaFactory } from '../lib/lambda-factory';

// Environment-agnostic on purpose (no env): synthesis needs no account, no credentials and no
// lookups; region and account are resolved by CloudFormation at deploy time.
const app = new App();
const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
const config = readConfig(app.node);
new DevVmStack(app, app.node.tryGetContext('stackName') ?? 'DevVmForJira', {
  config,
  lambdas: new BundlingLambdaFactory(),
  appVersion: version,
  description: 'Dev VM for Jira: per-developer cloud VMs, homes on EFS, per-client databases, working-hours scheduler',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
