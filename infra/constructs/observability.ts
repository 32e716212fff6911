import { Duration, Stack } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface ObservabilityProps {
  /** Email for alarm notifications (`-c alarmEmail=ops@example.com`); creates an SNS topic. */
  alarmEmail?: string | undefined;
  /** An existing SNS topic ARN for alarms (`-c alarmTopicArn=…`). */
  alarmTopicArn?: string | undefined;
}

/** Alarms (optionally notifying an SNS topic) and one dashboard. */
export class Observability extends Construct {
  readonly topic: sns.ITopic | undefined;
  readonly dashboard: cw.Dashboard;
  readonly alarms: cw.Alarm[] = [];
  /** Per stack, so two stages in one account never share a metric or an alarm. */
  readonly namespace: string;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.namespace = `Hookbridge/${Stack.of(this).stackName}`;
    if (props.alarmTopicArn) this.topic = sns.Topic.fromTopicArn(this, 'Topic', props.alarmTopicArn);
    else if (props.alarmEmail) {
      const topic = new sns.Topic(this, 'Topic', { displayName: 'Hookbridge alarms', enforceSSL: true });
      topic.addSubscription(new subs.EmailSubscription(props.alarmEmail));
      this.topic = topic;
    }
    this.dashboard = new cw.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
  }

  alarm(
    id: string,
    metric: cw.IMetric,
    opts: { threshold: number; description: string; periods?: number },
  ): cw.Alarm {
    const alarm = new cw.Alarm(this, id, {
      metric,
      threshold: opts.threshold,
      evaluationPeriods: opts.periods ?? 1,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      alarmDescription: opts.description,
    });
    if (this.topic) {
      alarm.addAlarmAction(new cwActions.SnsAction(this.topic));
      alarm.addOkAction(new cwActions.SnsAction(this.topic));
    }
    this.alarms.push(alarm);
    return alarm;
  }

  /** A metric counted from a function's JSON log lines (no code in the hot path). */
  logMetric(
    id: string,
    logGroup: logs.ILogGroup,
    metricName: string,
    pattern: logs.IFilterPattern,
  ): cw.Metric {
    new logs.MetricFilter(this, id, {
      logGroup,
      metricNamespace: this.namespace,
      metricName,
      filterPattern: pattern,
      metricValue: '1',
      defaultValue: 0,
    });
    return new cw.Metric({
      namespace: this.namespace,
      metricName,
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
  }
}
