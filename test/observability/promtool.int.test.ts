import path from 'node:path';
import { ALERTS, promtoolPath, runCommand } from '../support/prometheus';

/**
 * The alert rules and dashboards committed under grafana/ are what grafana/src generates, and the
 * Prometheus rule twins pass promtool: they load, and their unit tests show every alert firing and
 * not firing.
 */
describe('alerts and dashboards generated from grafana/src', () => {
  const repoRoot = path.resolve(__dirname, '..', '..');

  it('loads every Prometheus rule twin in promtool', () => {
    const result = runCommand(
      promtoolPath(),
      ['check', 'rules', 'grafana/prometheus/rules/dedup-alerts.yml'],
      repoRoot,
    );
    expect(result).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') as unknown });
    expect(result.output).toContain(`${ALERTS.length} rules found`);
  });

  it('passes the promtool unit tests: each alert fires, and stays quiet, where it should', () => {
    const result = runCommand(
      promtoolPath(),
      ['test', 'rules', 'grafana/prometheus/rules/dedup-alerts.test.yml'],
      repoRoot,
    );
    expect(result).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') as unknown });
  });

  it('has committed exactly what grafana/src generates (dashboards, Grafana rules, rule twins, tests)', () => {
    const result = runCommand(process.execPath, ['grafana/src/generate.ts', '--check'], repoRoot);
    expect(result).toEqual({ code: 0, output: expect.stringContaining('match grafana/src') as unknown });
  });
});
