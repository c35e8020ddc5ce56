import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { metricNamesInPromQL, metricsTheHostExports } from '../support/exported-metrics.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'acai-deploy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function promtool(...arguments_: string[]) {
  const result = spawnSync('promtool', arguments_, { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

interface Dashboard {
  uid: string;
  // Row panels only group the panels after them: no data source, no queries.
  panels: Array<{ title: string; type: string; datasource?: { uid: string }; targets?: Array<{ expr: string; datasource: { uid: string } }> }>;
}
const dashboard = JSON.parse(read('deploy/grafana/dashboards/acai-overview.json')) as Dashboard;
const expressions = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));

describe('deploy/prometheus.yml', () => {
  it('passes promtool check config', () => {
    const check = promtool('check', 'config', join(root, 'deploy/prometheus.yml'));
    expect(check.output).toContain('SUCCESS');
    expect(check.status).toBe(0);
  });

  it('scrapes the metrics port the compose file gives the host', () => {
    const prometheus = parse(read('deploy/prometheus.yml')) as { scrape_configs: Array<{ job_name: string; dns_sd_configs?: Array<{ names: string[]; port: number }> }> };
    const compose = parse(read('docker-compose.yml')) as { services: Record<string, { environment?: Record<string, string> }> };
    const job = prometheus.scrape_configs.find((config) => config.job_name === 'acai');
    expect(job?.dns_sd_configs?.[0]).toMatchObject({ names: ['acai'], port: Number(compose.services.acai?.environment?.METRICS_PORT) });
  });
});

describe('Grafana dashboard', () => {
  it('has panels for requests, latency, tool calls and failures per plugin, breaker states and model tokens', () => {
    const all = expressions.map((entry) => entry.expr).join('\n');
    for (const metric of ['acai_http_requests_total', 'acai_http_request_duration_seconds_bucket', 'acai_tool_calls_total', 'acai_plugin_breaker_state', 'acai_model_tokens_total']) {
      expect(all).toContain(metric);
    }
    expect(dashboard.panels.some((panel) => /failures per plugin/i.test(panel.title))).toBe(true);
  });

  it('has a capacity row: turns in progress, waiting and refused, event-loop delay, GC pauses and cache sizes', () => {
    const all = expressions.map((entry) => entry.expr).join('\n');
    for (const metric of ['acai_admission_in_flight', 'acai_admission_queued', 'acai_admission_limit', 'acai_admission_refusals_total', 'acai_event_loop_delay_p99_seconds', 'acai_gc_pause_seconds_total', 'acai_cache_bytes']) {
      expect(all).toContain(metric);
    }
    expect(dashboard.panels.some((panel) => panel.type === 'row' && /capacity/i.test(panel.title))).toBe(true);
  });

  it('queries only metrics the host exports', async () => {
    const exported = await metricsTheHostExports(root);
    const referenced = new Set(expressions.flatMap((entry) => metricNamesInPromQL(entry.expr)));
    // up and ALERTS are Prometheus' own series (scrape health, firing alert rules).
    expect([...referenced].filter((name) => !exported.has(name) && name !== 'up' && name !== 'ALERTS')).toEqual([]);
  });

  it('has PromQL that promtool accepts', () => {
    const rules = {
      groups: [{ name: 'dashboard', rules: expressions.map((entry, index) => ({ record: `acai:dashboard_check:${index}`, expr: entry.expr.replaceAll('$__rate_interval', '5m') })) }],
    };
    const file = join(scratch, 'rules.json');
    writeFileSync(file, JSON.stringify(rules));
    const check = promtool('check', 'rules', file);
    expect(check.output).toContain('SUCCESS');
    expect(check.status).toBe(0);
  });

  it('uses the provisioned data source', () => {
    const datasources = parse(read('deploy/grafana/provisioning/datasources/datasources.yaml')) as { datasources: Array<{ uid: string }> };
    const uids = new Set(datasources.datasources.map((source) => source.uid));
    for (const panel of dashboard.panels.filter((candidate) => candidate.type !== 'row')) expect(uids.has(panel.datasource?.uid ?? ''), panel.title).toBe(true);
  });
});

describe('deploy/otel-collector.yaml', () => {
  it('wires every pipeline component it declares, exporting traces to Jaeger', () => {
    const config = parse(read('deploy/otel-collector.yaml')) as {
      receivers: Record<string, unknown>;
      processors: Record<string, unknown>;
      exporters: Record<string, { endpoint?: string }>;
      extensions: Record<string, unknown>;
      service: { extensions: string[]; pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }> };
    };
    for (const pipeline of Object.values(config.service.pipelines)) {
      for (const name of pipeline.receivers) expect(config.receivers).toHaveProperty([name]);
      for (const name of pipeline.processors) expect(config.processors).toHaveProperty([name]);
      for (const name of pipeline.exporters) expect(config.exporters).toHaveProperty([name]);
    }
    for (const name of config.service.extensions) expect(config.extensions).toHaveProperty([name]);
    expect(config.exporters['otlp/jaeger']?.endpoint).toBe('jaeger:4317');
  });
});

describe('docker-compose.yml observability services', () => {
  const compose = parse(read('docker-compose.yml')) as {
    services: Record<string, { image?: string; volumes?: string[]; environment?: Record<string, string> }>;
  };

  it('runs the collector, Jaeger, Prometheus and Grafana, and points the host at the collector', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['otel-collector', 'jaeger', 'prometheus', 'grafana']));
    expect(compose.services.acai?.environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toContain('http://otel-collector:4318');
  });

  it('mounts only files that exist in the repository', () => {
    const sources = Object.values(compose.services)
      .flatMap((service) => service.volumes ?? [])
      .map((volume) => volume.split(':')[0]!)
      .filter((source) => source.startsWith('./'));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(existsSync(join(root, source)), source).toBe(true);
  });
});
