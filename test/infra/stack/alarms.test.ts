import { resourcesOfType } from '../support';
import { stack, template, json, id } from './template';

// infra-cdk/lib/constructs/alarms.ts: the operational alarms.

describe('operational alarms', () => {
  it('watch the dead-letter queue, a reconciler failing run after run, and VM API errors; no topic without alarmEmail', () => {
    const alarms = resourcesOfType(json, 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties!);
    expect(alarms.map((a) => a.MetricName).sort()).toEqual(['ApproximateNumberOfMessagesVisible', 'Errors', 'Errors']);
    const reconciler = alarms.find((a) => JSON.stringify(a.Dimensions).includes(id(stack.scheduler.reconciler)))!;
    expect(reconciler).toMatchObject({ Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 3, TreatMissingData: 'breaching' });
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });
});
