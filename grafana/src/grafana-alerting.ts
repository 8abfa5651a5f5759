// Grafana-managed alert rules and their contact point, as file-provisioning documents
// (grafana/provisioning/alerting/*.yml). Rules are built with the Foundation SDK's alerting builders
// (which model the HTTP provisioning API) and then laid out in the file format: a group with orgId,
// folder and interval, rules without the per-rule folder/group/org fields.

import {
  ContactPointBuilder,
  NotificationSettingsBuilder,
  QueryBuilder,
  RuleBuilder,
} from '@grafana/grafana-foundation-sdk/alerting';
import { TypeReduceBuilder, TypeThresholdBuilder } from '@grafana/grafana-foundation-sdk/expr';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import {
  ALERTS,
  GRAFANA_VALUE_REF,
  alertAnnotations,
  alertLabels,
  kebabCase,
  type AlertDefinition,
} from './alerts.ts';
import { DATASOURCE } from './catalogue.ts';
import { plainData, type YamlValue } from './yaml.ts';

/** Same folder as the provisioned dashboards (grafana/provisioning/dashboards/dashboards.yml). */
export const ALERT_FOLDER = 'Dedup operator';
export const ALERT_GROUP = 'dedup-operator';
export const ALERT_GROUP_INTERVAL = '1m';
/** The contact point every dedup rule notifies (simplified routing: no notification policy needed). */
export const CONTACT_POINT = 'dedup-operator-oncall';
/** A placeholder address that never resolves (.invalid is reserved): replace it with a real receiver. */
export const CONTACT_POINT_URL = 'http://alert-receiver.invalid/dedup-operator';

const EXPRESSION_DATASOURCE = { type: '__expr__', uid: '__expr__' } as const;

function grafanaRule(alert: AlertDefinition) {
  return new RuleBuilder(alert.name)
    .uid(kebabCase(alert.name))
    .condition('C')
    .queries([
      // A: the signal, as an instant query over the last 10 minutes.
      new QueryBuilder('A')
        .datasourceUid(DATASOURCE.uid)
        .relativeTimeRange({ from: 600, to: 0 })
        .model(new DataqueryBuilder().refId('A').expr(alert.signal).datasource(DATASOURCE).instant()),
      // B: one number per series (an instant query already is one; `last` keeps it).
      new QueryBuilder(GRAFANA_VALUE_REF)
        .datasourceUid(EXPRESSION_DATASOURCE.uid)
        .model(
          new TypeReduceBuilder()
            .refId(GRAFANA_VALUE_REF)
            .datasource(EXPRESSION_DATASOURCE)
            .expression('A')
            .reducer('last'),
        ),
      // C: the threshold, the rule's condition.
      new QueryBuilder('C').datasourceUid(EXPRESSION_DATASOURCE.uid).model(
        new TypeThresholdBuilder()
          .refId('C')
          .datasource(EXPRESSION_DATASOURCE)
          .expression(GRAFANA_VALUE_REF)
          .conditions([
            { evaluator: { type: alert.comparison === '>' ? 'gt' : 'lt', params: [alert.threshold] } },
          ]),
      ),
    ])
    .forDuration(alert.for)
    .noDataState(alert.whenNoData === 'alerting' ? 'Alerting' : 'OK')
    .execErrState('Error')
    .labels(alertLabels(alert))
    .annotations(alertAnnotations(alert, 'grafana'))
    .notificationSettings(new NotificationSettingsBuilder().receiver(CONTACT_POINT))
    .isPaused(false)
    .build();
}

/** grafana/provisioning/alerting/dedup-alerts.yml */
export function grafanaAlertRulesDocument(): { [key: string]: YamlValue } {
  const rules = ALERTS.map((alert) => {
    const rule = grafanaRule(alert);
    return plainData({
      uid: rule.uid,
      title: rule.title,
      condition: rule.condition,
      data: rule.data,
      for: rule.for,
      noDataState: rule.noDataState,
      execErrState: rule.execErrState,
      labels: rule.labels,
      annotations: rule.annotations,
      notification_settings: rule.notification_settings,
      isPaused: rule.isPaused,
    });
  });
  return {
    apiVersion: 1,
    groups: [{ orgId: 1, name: ALERT_GROUP, folder: ALERT_FOLDER, interval: ALERT_GROUP_INTERVAL, rules }],
  };
}

/** grafana/provisioning/alerting/contact-points.yml */
export function contactPointsDocument(): { [key: string]: YamlValue } {
  const receiver = new ContactPointBuilder()
    .uid(`${CONTACT_POINT}-webhook`)
    .type('webhook')
    .settings({ url: CONTACT_POINT_URL, httpMethod: 'POST' })
    .disableResolveMessage(false)
    .build();
  return {
    apiVersion: 1,
    contactPoints: [
      {
        orgId: 1,
        name: CONTACT_POINT,
        receivers: [
          plainData({
            uid: receiver.uid,
            type: receiver.type,
            settings: receiver.settings as unknown,
            disableResolveMessage: receiver.disableResolveMessage,
          }),
        ],
      },
    ],
  };
}
