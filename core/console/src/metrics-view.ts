import { describeError } from './describe-error.js';
import { errorDefinition } from './error-definition.js';
import { element, replaceChildren } from './dom.js';
import { formatClockTime, formatCount, formatSeconds } from './format.js';
import { fetchMetricsText, isAbort, type HostConnection } from './host-api.js';
import { parsePrometheusText } from './prometheus-text.js';
import { lineChart, stackedBarChart, type BarStack } from './svg-charts.js';
import { ALL_TOOLS, toolMetricsSnapshot, toolStatistics, type ToolMetricsSnapshot, type ToolStatistics } from './tool-metrics.js';
import { pageSection, type PageSection } from './page-section.js';
import type { View } from './view.js';

export interface MetricsViewOptions {
  readonly connection: HostConnection;
}

/** Intervals kept for the charts (an hour at the slowest setting, 5 minutes at the default). */
const HISTORY_LENGTH = 60;
const INTERVAL_CHOICES_SECONDS = [2, 5, 15, 30] as const;
const DEFAULT_INTERVAL_SECONDS = 5;
/** Chart order and colour class of the outcomes the host records; anything else is drawn as "error". */
const OUTCOMES = ['ok', 'invalid_input', 'cancelled', 'timeout', 'unavailable', 'breaker_open', 'rejected', 'rate_limited', 'unknown_tool', 'error'] as const;
const KNOWN_OUTCOMES: ReadonlySet<string> = new Set(OUTCOMES);

interface IntervalSample {
  readonly endedAt: number;
  readonly statistics: ReadonlyMap<string, ToolStatistics>;
}

/**
 * Live tool metrics read from the host's `/metrics` (Prometheus text, parsed here): a table of every
 * tool since the host started, and per-interval charts of latency (p50/p95 estimated from the
 * `acai_tool_call_duration_seconds` buckets) and of calls by outcome (`acai_tool_calls_total`).
 */
export class MetricsView implements View {
  readonly element: HTMLElement;
  readonly #connection: HostConnection;
  readonly #page: PageSection;
  readonly #table: HTMLTableSectionElement;
  readonly #toolSelect: HTMLSelectElement;
  readonly #latencyChart: HTMLElement;
  readonly #callsChart: HTMLElement;
  #intervalSeconds = DEFAULT_INTERVAL_SECONDS;
  #selectedKey = ALL_TOOLS;
  #previous: ToolMetricsSnapshot | undefined;
  #history: IntervalSample[] = [];
  #timer: number | undefined;
  #inFlight: AbortController | undefined;
  #isDisposed = false;

  constructor(options: MetricsViewOptions) {
    this.#connection = options.connection;
    this.#table = element('tbody');
    const intervalSelect = element(
      'select',
      { id: 'metrics-interval' },
      ...INTERVAL_CHOICES_SECONDS.map((seconds) => element('option', { value: seconds, selected: seconds === DEFAULT_INTERVAL_SECONDS }, `${seconds} s`)),
    );
    intervalSelect.addEventListener('change', () => {
      this.#intervalSeconds = Number(intervalSelect.value);
      this.#history = [];
      this.#schedule(0);
    });
    this.#toolSelect = element('select', { id: 'metrics-tool' }, element('option', { value: ALL_TOOLS }, 'All tools'));
    this.#toolSelect.addEventListener('change', () => {
      this.#selectedKey = this.#toolSelect.value;
      this.#renderCharts();
    });
    this.#latencyChart = element('div', { class: 'chart-body' });
    this.#callsChart = element('div', { class: 'chart-body' });
    this.#page = pageSection({
      name: 'metrics',
      title: 'Metrics',
      actions: [element('label', { for: 'metrics-tool' }, 'Tool '), this.#toolSelect, element('label', { for: 'metrics-interval' }, 'Refresh every '), intervalSelect],
      body: [
        element(
          'div',
          { class: 'chart-grid' },
          element('figure', { class: 'chart-card' }, element('figcaption', {}, 'Tool latency per interval (p50 and p95)'), legend([['p50', 'series-p50'], ['p95', 'series-p95']]), this.#latencyChart),
          element(
            'figure',
            { class: 'chart-card' },
            element('figcaption', {}, 'Tool calls per interval by outcome'),
            legend(OUTCOMES.map((outcome) => [outcome, `outcome-${outcome}`] as const)),
            this.#callsChart,
          ),
        ),
        element(
          'section',
          { class: 'metrics-table-section', 'aria-labelledby': 'metrics-table-title' },
          element('h2', { id: 'metrics-table-title' }, 'Tools since the host started'),
          element(
            'div',
            { class: 'table-scroll' },
            element(
              'table',
              { class: 'metrics-table' },
              element(
                'thead',
                {},
                element(
                  'tr',
                  {},
                  ...['Tool', 'Plugin', 'Calls', 'Errors', 'Error rate', 'p50', 'p95'].map((heading, index) => element('th', { scope: 'col', class: index >= 2 ? 'number' : undefined }, heading)),
                ),
              ),
              this.#table,
            ),
          ),
          errorDefinition('The plugins page counts errors the same way.'),
        ),
      ],
    });
    this.#page.summary.textContent = 'Reading /metrics…';
    this.element = this.#page.element;
    this.#renderCharts();
    this.#schedule(0);
  }

  dispose(): void {
    this.#isDisposed = true;
    window.clearTimeout(this.#timer);
    this.#inFlight?.abort();
  }

  #schedule(delayMs: number): void {
    window.clearTimeout(this.#timer);
    if (!this.#isDisposed) this.#timer = window.setTimeout(() => void this.#poll(), delayMs);
  }

  async #poll(): Promise<void> {
    // A hidden tab does not read /metrics; the next reading after it shows again covers the gap.
    if (document.visibilityState === 'hidden') return this.#schedule(this.#intervalSeconds * 1_000);
    this.#inFlight?.abort();
    const request = new AbortController();
    this.#inFlight = request;
    try {
      const text = await fetchMetricsText(this.#connection, request.signal);
      const snapshot = toolMetricsSnapshot(parsePrometheusText(text), Date.now());
      if (this.#previous !== undefined) {
        const interval = toolStatistics(snapshot, this.#previous);
        this.#history = [...this.#history, { endedAt: snapshot.takenAt, statistics: new Map(interval.map((entry) => [entry.key, entry])) }].slice(-HISTORY_LENGTH);
      }
      this.#previous = snapshot;
      this.#renderTable(toolStatistics(snapshot));
      this.#renderCharts();
      this.#page.summary.textContent = `From /metrics every ${this.#intervalSeconds} s · last read ${formatClockTime(snapshot.takenAt, { withSeconds: true })}`;
      this.#page.showStatus(undefined);
    } catch (error) {
      if (isAbort(error)) return;
      this.#page.showStatus(`Cannot read /metrics. ${describeError(error)}`, true);
    } finally {
      if (this.#inFlight === request) this.#inFlight = undefined;
    }
    this.#schedule(this.#intervalSeconds * 1_000);
  }

  #renderTable(statistics: readonly ToolStatistics[]): void {
    replaceChildren(
      this.#table,
      ...statistics.map((entry) =>
        element(
          'tr',
          { 'data-tool-key': entry.key, class: entry.key === ALL_TOOLS ? 'metrics-total' : undefined },
          element('th', { scope: 'row' }, entry.key === ALL_TOOLS ? 'All tools' : entry.tool),
          element('td', {}, entry.plugin || '–'),
          element('td', { class: 'number' }, formatCount(entry.calls)),
          element('td', { class: 'number' }, formatCount(entry.errors)),
          element('td', { class: 'number' }, entry.calls === 0 ? '–' : `${((100 * entry.errors) / entry.calls).toFixed(1)} %`),
          element('td', { class: 'number' }, formatSeconds(entry.p50)),
          element('td', { class: 'number' }, formatSeconds(entry.p95)),
        ),
      ),
    );
    const keys = statistics.map((entry) => entry.key);
    const current = new Set([...this.#toolSelect.options].map((option) => option.value));
    for (const entry of statistics) {
      if (!current.has(entry.key)) this.#toolSelect.append(element('option', { value: entry.key }, `${entry.tool} (${entry.plugin})`));
    }
    if (!keys.includes(this.#selectedKey)) this.#selectedKey = ALL_TOOLS;
  }

  #renderCharts(): void {
    const samples = this.#history;
    if (samples.length === 0) {
      const waiting = element('p', { class: 'chart-empty muted' }, 'Charts start after the second reading of /metrics.');
      replaceChildren(this.#latencyChart, waiting);
      replaceChildren(this.#callsChart, waiting.cloneNode(true));
      return;
    }
    const selected = samples.map((sample) => ({ at: sample.endedAt, entry: sample.statistics.get(this.#selectedKey) }));
    const label = this.#selectedKey === ALL_TOOLS ? 'all tools' : this.#selectedKey;
    const latest = selected.at(-1)?.entry;
    replaceChildren(
      this.#latencyChart,
      lineChart(
        [
          { label: 'p50', className: 'series-p50', points: selected.map(({ at, entry }) => ({ x: at, y: entry?.p50 })) },
          { label: 'p95', className: 'series-p95', points: selected.map(({ at, entry }) => ({ x: at, y: entry?.p95 })) },
        ],
        {
          summary: `Latency of ${label} over the last ${samples.length} intervals; latest p50 ${formatSeconds(latest?.p50)}, p95 ${formatSeconds(latest?.p95)}.`,
          formatX: clockWithSeconds,
          formatY: formatSeconds,
        },
      ),
    );
    const stacks: BarStack[] = selected.map(({ at, entry }) => ({
      x: at,
      segments: OUTCOMES.map((outcome) => ({ label: outcome, className: `outcome-${outcome}`, value: outcomeCount(entry, outcome) })),
    }));
    const totalCalls = selected.reduce((sum, { entry }) => sum + (entry?.calls ?? 0), 0);
    const totalErrors = selected.reduce((sum, { entry }) => sum + (entry?.errors ?? 0), 0);
    replaceChildren(
      this.#callsChart,
      stackedBarChart(stacks, {
        summary: `Calls of ${label} over the last ${samples.length} intervals: ${totalCalls} calls, ${totalErrors} errors.`,
        formatX: clockWithSeconds,
        formatY: String,
      }),
    );
  }
}

// Outcomes outside the known list (a newer host) are counted with "error".
function outcomeCount(entry: ToolStatistics | undefined, outcome: (typeof OUTCOMES)[number]): number {
  if (entry === undefined) return 0;
  if (outcome !== 'error') return entry.outcomes[outcome] ?? 0;
  return Object.entries(entry.outcomes).reduce((sum, [name, count]) => (name === 'error' || !KNOWN_OUTCOMES.has(name) ? sum + count : sum), 0);
}

function clockWithSeconds(at: number): string {
  return formatClockTime(at, { withSeconds: true });
}

function legend(entries: ReadonlyArray<readonly [string, string]>): HTMLElement {
  return element('ul', { class: 'chart-legend' }, ...entries.map(([label, className]) => element('li', {}, element('span', { class: `legend-swatch ${className}`, 'aria-hidden': 'true' }), label)));
}
