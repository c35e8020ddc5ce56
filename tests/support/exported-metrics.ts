import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../core/src/app.js';
import { loadHostConfig } from '../../core/src/config/env-config.js';

/**
 * Every series name the real composition root exports (host, plugin-host, session, stream and MCP metrics
 * all register on its registry), histograms with their `_bucket`/`_sum`/`_count` series, each with its
 * label names, read from the registry of a host built on embedded defaults.
 */
export async function metricsTheHostExports(root: string): Promise<Map<string, readonly string[]>> {
  const scratch = mkdtempSync(join(tmpdir(), 'acai-metrics-'));
  try {
    const config = loadHostConfig({ AUTH_DISABLED: 'true', LOG_LEVEL: 'silent', ACAI_DATA_DIR: join(scratch, 'data') }, root);
    const app = await buildApp(config);
    let metrics: Array<{ name: string; type: string; labelNames: readonly string[] }>;
    try {
      // The exposition runs every metric's collect (the readiness gauge's included), as a scrape does.
      await app.metrics.registry.metrics();
      metrics = (await app.metrics.registry.getMetricsAsJSON()).map((metric) => ({
        name: metric.name,
        type: String(metric.type),
        labelNames: (app.metrics.registry.getSingleMetric(metric.name) as unknown as { labelNames?: readonly string[] }).labelNames ?? [],
      }));
    } finally {
      await app.close();
    }
    return new Map(
      metrics.flatMap(({ name, type, labelNames }): Array<[string, readonly string[]]> =>
        type === 'histogram' ? [[`${name}_bucket`, [...labelNames, 'le']], [`${name}_sum`, labelNames], [`${name}_count`, labelNames]] : [[name, labelNames]],
      ),
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const PROMQL_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects (also Grafana's `label_values(metric, label)`): identifiers
 * that are not functions, keywords, label names or literals. Good enough for the expressions we write;
 * not a full PromQL parser.
 */
export function metricNamesInPromQL(expression: string): string[] {
  const bare = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // string literals (label values, regexes)
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range and subquery durations
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\$\w+/g, ' ') // Grafana variables
    .replace(/label_values\(([^,)]+),[^)]*\)/g, '$1'); // label_values(metric, label) → metric
  return [...bare.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(?!\w)(?!\s*\()/g)].map((match) => match[1]!).filter((name) => !PROMQL_KEYWORDS.has(name.toLowerCase()));
}
