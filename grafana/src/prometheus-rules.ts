// The Prometheus rule twins of the Grafana-managed alerts (same signal, threshold, for, labels and
// annotations), and their promtool unit tests.

import { ALERT_TESTS, type AlertTestCase } from './alert-tests.ts';
import {
  ALERTS,
  alertAnnotations,
  alertExpr,
  alertLabels,
  renderedAnnotations,
  type AlertDefinition,
} from './alerts.ts';
import type { YamlValue } from './yaml.ts';

export const RULE_GROUP = 'dedup-operator';
export const RULES_FILE = 'dedup-alerts.yml';

/** grafana/prometheus/rules/dedup-alerts.yml */
export function prometheusRulesDocument(): { [key: string]: YamlValue } {
  return {
    groups: [
      {
        name: RULE_GROUP,
        rules: ALERTS.map((alert) => ({
          alert: alert.name,
          expr: alertExpr(alert),
          for: alert.for,
          labels: alertLabels(alert),
          annotations: alertAnnotations(alert, 'prometheus'),
        })),
      },
    ],
  };
}

function alertNamed(name: string): AlertDefinition {
  const alert = ALERTS.find((a) => a.name === name);
  if (!alert) throw new Error(`alert test for unknown alert ${name}`);
  return alert;
}

/** Every alert needs a test in which it fires and one in which it does not. */
export function assertEveryAlertTested(tests: readonly AlertTestCase[]): void {
  const problems: string[] = [];
  for (const alert of ALERTS) {
    const checks = tests.filter((t) => t.alert === alert.name).flatMap((t) => t.checks);
    if (!checks.some((c) => c.firing.length > 0)) problems.push(`${alert.name} is never shown firing`);
    if (!checks.some((c) => c.firing.length === 0)) problems.push(`${alert.name} is never shown quiet`);
  }
  for (const t of tests) alertNamed(t.alert);
  if (problems.length > 0) throw new Error(`promtool tests incomplete:\n  ${problems.join('\n  ')}`);
}

/** grafana/prometheus/rules/dedup-alerts.test.yml (`promtool test rules`). */
export function prometheusRuleTestsDocument(): { [key: string]: YamlValue } {
  assertEveryAlertTested(ALERT_TESTS);
  return {
    rule_files: [RULES_FILE],
    evaluation_interval: '1m',
    tests: ALERT_TESTS.map((test) => {
      const alert = alertNamed(test.alert);
      return {
        interval: test.interval,
        input_series: test.series.map((s) => ({ series: s.series, values: s.values })),
        alert_rule_test: test.checks.map((check) => ({
          eval_time: check.at,
          alertname: alert.name,
          exp_alerts: check.firing.map((firing) => ({
            exp_labels: { ...firing.labels, ...alertLabels(alert) },
            exp_annotations: renderedAnnotations(alert, firing.labels, firing.value),
          })),
        })),
      };
    }),
  };
}
