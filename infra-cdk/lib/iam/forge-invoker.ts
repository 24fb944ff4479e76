import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/**
 * All the Forge app's principal may do: call the VM API's function URL with SigV4. Since October
 * 2025 a function URL call is authorised against both lambda:InvokeFunctionUrl and
 * lambda:InvokeFunction (AWS Lambda guide, "Control access to Lambda function URLs"); the second
 * is limited to invocations arriving through the URL (lambda:InvokedViaFunctionUrl), so the key
 * cannot call the function through the Invoke API either.
 */
export class ForgeInvokerPolicy extends Construct {
  readonly policy: iam.Policy;
  constructor(scope: Construct, id: string, props: { fn: lambda.IFunction }) {
    super(scope, id);
    this.policy = new iam.Policy(this, 'Policy', {
      statements: [
        new iam.PolicyStatement({
          sid: 'InvokeVmApiUrl',
          actions: ['lambda:InvokeFunctionUrl'],
          resources: [props.fn.functionArn],
          conditions: { StringEquals: { 'lambda:FunctionUrlAuthType': lambda.FunctionUrlAuthType.AWS_IAM } },
        }),
        new iam.PolicyStatement({
          sid: 'InvokeVmApiOnlyViaUrl',
          actions: ['lambda:InvokeFunction'],
          resources: [props.fn.functionArn],
          conditions: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } },
        }),
      ],
    });
  }
}
