import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** ARN builders for resources the stack does not create but scopes permissions to. */
export const ec2Arn = (scope: IConstruct, resourceType: string, id = '*'): string =>
  Stack.of(scope).formatArn({ service: 'ec2', resource: resourceType, resourceName: id });

/** Public AMIs have no account in their ARN. */
export const imageArn = (scope: IConstruct): string => Stack.of(scope).formatArn({ service: 'ec2', account: '', resource: 'image', resourceName: '*' });

/** `…:secret:dev-vm/*`: Secrets Manager appends `-XXXXXX` to every name, so the prefix pattern is the narrowest form. */
export const secretsUnderPrefix = (scope: IConstruct, prefix: string): string =>
  Stack.of(scope).formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${prefix}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });

/** IAM is global: no region in the ARN. */
export const iamArn = (scope: IConstruct, resource: 'role' | 'instance-profile', path: string, name = '*'): string =>
  Arn.format({ service: 'iam', region: '', resource, resourceName: `${path.replace(/^\//, '')}${name}` }, Stack.of(scope));

/** The SSM parameter with the admin's idle and stop rules (lambda/shared/idle-policy.ts): created by the VM API's first save. */
export const idlePolicyParameterName = (secretPrefix: string): string => `/${secretPrefix}idle-policy`;

/** `…:parameter/dev-vm/idle-policy` (a name's leading "/" is not repeated in its ARN). */
export const parameterArn = (scope: IConstruct, name: string): string =>
  Stack.of(scope).formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, '') });
