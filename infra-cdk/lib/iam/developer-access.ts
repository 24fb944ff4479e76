import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { Tag } from '../../../src/contract/tags';

/** Session Manager's standard shell document (the account's default session preferences). */
export const SHELL_DOCUMENT = 'SSM-SessionManagerRunShell';

export interface DeveloperAccessProps {
  /** Value of the stack's `ManagedBy` tag: sessions only on instances this stack launched. */
  readonly managedBy: string;
}

/**
 * Developers may see instances and open a shell on their own VM only: `ssm:StartSession` is
 * allowed on an instance whose DeveloperName tag equals the caller's principal tag of the same
 * name (an admin tags each developer's IAM user or role) and whose ManagedBy tag is this stack's
 * (so another instance in the account that happens to carry a developer's name, e.g. a shared
 * build box tagged by hand, stays out of reach), with the standard shell document only
 * (SessionDocumentAccessCheck makes the document part of the authorisation), and
 * terminate/resume only of sessions they started (Session Manager names sessions after the
 * caller). Nothing here launches, stops or terminates anything.
 */
export class DeveloperAccessPolicy extends Construct {
  readonly policy: iam.ManagedPolicy;
  readonly group: iam.Group;

  constructor(scope: Construct, id: string, props: DeveloperAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const ownTag = `\${aws:PrincipalTag/${Tag.DeveloperName}}`;
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'Dev VM developers: describe instances; SSM shell sessions on instances tagged with their own DeveloperName',
      statements: [
        new iam.PolicyStatement({
          sid: 'DescribeOnly',
          actions: ['ec2:DescribeInstances', 'ec2:DescribeInstanceStatus', 'ec2:DescribeTags', 'ssm:DescribeInstanceInformation', 'ssm:DescribeSessions', 'ssm:GetConnectionStatus'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'StartSessionOnOwnVm',
          actions: ['ssm:StartSession'],
          resources: [stack.formatArn({ service: 'ec2', region: '*', resource: 'instance', resourceName: '*' })],
          conditions: {
            StringEquals: { [`ssm:resourceTag/${Tag.DeveloperName}`]: ownTag, [`ssm:resourceTag/${Tag.ManagedBy}`]: props.managedBy },
            // Present and non-empty: an untagged (or blank-tagged) caller matches no instance.
            StringLike: { [`aws:PrincipalTag/${Tag.DeveloperName}`]: '?*' },
            BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' },
          },
        }),
        new iam.PolicyStatement({
          sid: 'StandardShellDocumentOnly',
          actions: ['ssm:StartSession'],
          resources: [stack.formatArn({ service: 'ssm', region: '*', resource: 'document', resourceName: SHELL_DOCUMENT })],
        }),
        new iam.PolicyStatement({
          sid: 'OwnSessionsOnly',
          actions: ['ssm:TerminateSession', 'ssm:ResumeSession'],
          resources: [
            stack.formatArn({ service: 'ssm', region: '*', resource: 'session', resourceName: '${aws:username}-*' }),
            stack.formatArn({ service: 'ssm', region: '*', resource: 'session', resourceName: '${aws:userid}-*' }),
          ],
        }),
      ],
    });
    this.group = new iam.Group(this, 'Developers', { managedPolicies: [this.policy] });
    Validations.of(this.policy).acknowledge(
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'Describe calls support no resource-level permissions; they are read-only.' },
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:*:<AWS::AccountId>:document/${SHELL_DOCUMENT}]`, reason: 'One named document; the region is a wildcard so the policy works for VMs in any region the stack is deployed to.' },
      { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*:<AWS::AccountId>:instance/*]', reason: 'Which VM is decided by the ssm:resourceTag/DeveloperName = aws:PrincipalTag/DeveloperName and ssm:resourceTag/ManagedBy conditions, not by id.' },
      { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:*:<AWS::AccountId>:session/<aws:username>-*]', reason: 'A caller\'s own sessions (IAM users): Session Manager prefixes session ids with the user name.' },
      { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:*:<AWS::AccountId>:session/<aws:userid>-*]', reason: 'A caller\'s own sessions (federated / role sessions), keyed by the caller\'s user id.' },
    );
  }
}
