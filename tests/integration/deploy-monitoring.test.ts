import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { metricNamesInPromQL, metricsTheHostExports } from '../support/exported-metrics.js';

// The alert rules (deploy/prometheus/acai.rules.yml) with their promtool unit tests, and the Grafana
// dashboard's coverage of what they watch. promtool is installed by tests/support/services.sh.
const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const RULES = 'deploy/prometheus/acai.rules.yml';
const RULE_TESTS = 'deploy/prometheus/acai.rules.test.yml';

function promtool(...arguments_: string[]) {
  const result = spawnSync('promtool', arguments_, { encoding: 'utf8', cwd: root });
  return { status: result.status, output: `${result.stdout}${result.stderr}${result.error ? String(result.error) : ''}` };
}

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}
const alertRules = (parse(read(RULES)) as { groups: Array<{ rules: AlertRule[] }> }).groups.flatMap((group) => group.rules);
const ruleTests = parse(read(RULE_TESTS)) as {
  rule_files: string[];
  tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
};

interface Panel {
  title: string;
  type: string;
  targets?: Array<{ expr: string }>;
  /** A collapsed row holds its panels. */
  panels?: Panel[];
}
const dashboard = JSON.parse(read('deploy/grafana/dashboards/acai-overview.json')) as {
  panels: Panel[];
  templating: { list: Array<{ name: string; query: { query: string } }> };
};
// Every graph, including those inside collapsed rows; a row itself queries nothing.
const graphs = dashboard.panels.flatMap((panel) => (panel.type === 'row' ? (panel.panels ?? []) : [panel]));
const panelExpressions = graphs.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));

let exported: Map<string, readonly string[]>;
beforeAll(async () => {
  exported = await metricsTheHostExports(root);
});

describe('alert rules', () => {
  it('pass promtool check rules', () => {
    const check = promtool('check', 'rules', RULES);
    expect(check.output).toContain('SUCCESS');
    expect(check.status).toBe(0);
  });

  it('pass their promtool unit tests (input series → expected alerts)', () => {
    expect(ruleTests.rule_files).toEqual(['acai.rules.yml']);
    const run = promtool('test', 'rules', RULE_TESTS);
    expect(run.output).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });

  it('are loaded by deploy/prometheus.yml', () => {
    const config = parse(read('deploy/prometheus.yml')) as { rule_files: string[] };
    expect(config.rule_files).toEqual(['prometheus/*.rules.yml']);
    const check = promtool('check', 'config', 'deploy/prometheus.yml');
    expect(check.output).toContain(`SUCCESS: ${alertRules.length} rules found`);
    expect(check.status).toBe(0);
  });

  it('watch error rates, breakers, worker crash loops, MCP server restarts, refused reloads and readiness', () => {
    const watched = (metric: string) => alertRules.filter((rule) => metricNamesInPromQL(rule.expr).includes(metric)).map((rule) => rule.alert);
    expect(watched('acai_http_requests_total')).toContain('AcaiHighErrorRate');
    expect(watched('acai_http_streams_total')).toContain('AcaiStreamErrorRate');
    expect(watched('acai_plugin_breaker_state')).toContain('AcaiPluginBreakerOpen');
    expect(watched('acai_plugin_worker_crashes_total')).toContain('AcaiPluginWorkerCrashLooping');
    expect(watched('acai_mcp_server_exits_total')).toContain('AcaiMcpServerRestartLooping');
    expect(watched('acai_plugin_reloads_total')).toContain('AcaiPluginReloadRefused');
    expect(watched('acai_readiness_status')).toEqual(expect.arrayContaining(['AcaiNotReady', 'AcaiDegraded']));
    expect(watched('up')).toEqual(expect.arrayContaining(['AcaiTargetDown', 'AcaiNoReplicaUp']));
  });

  it('each have a unit test in which they fire', () => {
    const firing = new Set(ruleTests.tests.flatMap((test) => test.alert_rule_test.filter((check) => check.exp_alerts.length > 0).map((check) => check.alertname)));
    expect(alertRules.map((rule) => rule.alert).filter((name) => !firing.has(name))).toEqual([]);
  });

  it('name only metrics the host exports (and Prometheus’ own up)', () => {
    const unknown = alertRules.flatMap((rule) => metricNamesInPromQL(rule.expr).filter((name) => !exported.has(name) && name !== 'up').map((name) => `${rule.alert}: ${name}`));
    expect(unknown).toEqual([]);
  });

  it('carry a severity, a summary and a description', () => {
    for (const rule of alertRules) {
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary.length, rule.alert).toBeGreaterThan(10);
      expect(rule.annotations.description.length, rule.alert).toBeGreaterThan(20);
    }
  });
});

describe('Grafana dashboard for operators', () => {
  const referenced = () => new Set(panelExpressions.flatMap((entry) => metricNamesInPromQL(entry.expr)));

  it('shows every signal an alert rule watches', () => {
    const shown = referenced();
    const missing = alertRules.flatMap((rule) => metricNamesInPromQL(rule.expr).filter((name) => !shown.has(name)).map((name) => `${rule.alert}: ${name}`));
    expect(missing).toEqual([]);
    expect(panelExpressions.some((entry) => entry.expr.includes('ALERTS{alertstate="firing"'))).toBe(true);
  });

  it('has panels for reloads, worker crashes, MCP servers and streams', () => {
    const shown = referenced();
    for (const metric of [
      'acai_plugin_reloads_total',
      'acai_plugin_worker_crashes_total',
      'acai_plugin_worker_restarts_total',
      'acai_mcp_server_exits_total',
      'acai_mcp_server_restarts_total',
      'acai_mcp_server_restart_failures_total',
      'acai_http_streams_open',
      'acai_http_streams_total',
      'acai_http_stream_duration_seconds_bucket',
    ]) {
      expect(shown.has(metric), metric).toBe(true);
    }
  });

  it('has a template variable for each filter label the metrics carry, and every selector of such a metric uses it', () => {
    const variables = new Map(dashboard.templating.list.map((variable) => [variable.name, variable.query.query]));
    // instance: every scraped series; plugin and tenant: wherever a metric carries them (today no metric has a tenant label).
    const filters = ['instance', ...['plugin', 'tenant'].filter((label) => [...exported.values()].some((labels) => labels.includes(label)))];
    expect([...variables.keys()].sort()).toEqual([...filters].sort());
    for (const query of variables.values()) {
      expect(metricNamesInPromQL(query).every((name) => exported.has(name) || name === 'up'), query).toBe(true);
    }
    for (const { panel, expr } of panelExpressions) {
      for (const match of expr.matchAll(/\b((?:acai|process|nodejs)_[a-z0-9_]+)(\{[^}]*\})?/g)) {
        const [, metric, matchers = ''] = match;
        for (const label of filters) {
          const carries = label === 'instance' || (exported.get(metric!) ?? []).includes(label);
          if (carries) expect(matchers, `${panel}: ${metric} should filter by $${label}`).toContain(`${label}=~"$${label}"`);
        }
      }
    }
  });
});
