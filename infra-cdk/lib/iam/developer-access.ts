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
 * terminate/resume only of sessions they started (by the session's creator tag, see OwnSessionsOnly). Nothing here launches, stops or terminates anything.
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
          // Session ids start with the caller's user name, so `session/${aws:username}-*` would let
          // user bob reach bob-smith's sessions. Session Manager tags every session with its
          // creator's aws:userid instead; AWS's documented pattern compares that tag
          // (Systems Manager User Guide, "Additional sample IAM policies for Session Manager",
          // example "Allow a user to end only sessions they started":
          // https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-restrict-access-examples.html).
          sid: 'OwnSessionsOnly',
          actions: ['ssm:TerminateSession', 'ssm:ResumeSession'],
          resources: [stack.formatArn({ service: 'ssm', region: '*', resource: 'session', resourceName: '*' })],
          conditions: { StringEquals: { 'ssm:resourceTag/aws:ssmmessages:session-id': '${aws:userid}' } },
        }),
      ],
    });
    this.group = new iam.Group(this, 'Developers', { managedPolicies: [this.policy] });
    Validations.of(this.policy).acknowledge(
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'Describe calls support no resource-level permissions; they are read-only.' },
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:*:<AWS::AccountId>:document/${SHELL_DOCUMENT}]`, reason: 'One named document; the region is a wildcard so the policy works for VMs in any region the stack is deployed to.' },
      { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*:<AWS::AccountId>:instance/*]', reason: 'Which VM is decided by the ssm:resourceTag/DeveloperName = aws:PrincipalTag/DeveloperName and ssm:resourceTag/ManagedBy conditions, not by id.' },
      { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:*:<AWS::AccountId>:session/*]', reason: 'Only the caller\'s own sessions: the ssm:resourceTag/aws:ssmmessages:session-id = ${aws:userid} condition decides, not the id.' },
    );
  }
}
