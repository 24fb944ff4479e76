#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from '../lib/config';
import { DevVmStack } from '../lib/dev-vm-stack';
import { BundlingLambdaFactory } from '../lib/lambda-factory';

// Environment-agnostic on purpose (no env): synthesis needs no account, no credentials and no
// lookups; region and account are resolved by CloudFormation at deploy time.
const app = new App();
const config = readConfig(app.node);
new DevVmStack(app, app.node.tryGetContext('stackName') ?? 'DevVmForJira', {
  config,
  lambdas: new BundlingLambdaFactory(),
  description: 'Dev VM for Jira: per-developer cloud VMs, homes on EFS, per-client databases, working-hours scheduler',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
