import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText, samplesNamed } from './prometheus-text.js';

describe('parsePrometheusText', () => {
  it('reads what prom-client serves: types, labels in any order, histogram buckets, sums and counts', async () => {
    const registry = new Registry();
    const calls = new Counter({ name: 'acai_tool_calls_total', help: 'Tool calls.', labelNames: ['plugin', 'tool', 'outcome'], registers: [registry] });
    const duration = new Histogram({ name: 'acai_tool_call_duration_seconds', help: 'Duration.', labelNames: ['plugin', 'tool'], buckets: [0.01, 0.1, 1], registers: [registry] });
    calls.inc({ plugin: 'datetime', tool: 'get_current_time', outcome: 'ok' }, 3);
    calls.inc({ plugin: 'weather', tool: 'get_forecast', outcome: 'timeout' });
    duration.observe({ plugin: 'datetime', tool: 'get_current_time' }, 0.005);
    duration.observe({ plugin: 'datetime', tool: 'get_current_time' }, 0.5);

    const exposition = parsePrometheusText(await registry.metrics());
    expect(exposition.problems).toEqual([]);
    expect(exposition.types.get('acai_tool_calls_total')).toBe('counter');
    expect(exposition.types.get('acai_tool_call_duration_seconds')).toBe('histogram');
    expect(samplesNamed(exposition, 'acai_tool_calls_total')).toEqual([
      { name: 'acai_tool_calls_total', labels: { plugin: 'datetime', tool: 'get_current_time', outcome: 'ok' }, value: 3 },
      { name: 'acai_tool_calls_total', labels: { plugin: 'weather', tool: 'get_forecast', outcome: 'timeout' }, value: 1 },
    ]);
    const buckets = samplesNamed(exposition, 'acai_tool_call_duration_seconds_bucket').map((sample) => [sample.labels.le, sample.value]);
    expect(buckets).toEqual([['0.01', 1], ['0.1', 1], ['1', 2], ['+Inf', 2]]);
    expect(samplesNamed(exposition, 'acai_tool_call_duration_seconds_sum')[0]?.value).toBeCloseTo(0.505);
    expect(samplesNamed(exposition, 'acai_tool_call_duration_seconds_count')[0]?.value).toBe(2);
    expect(samplesNamed(exposition, 'not_there')).toEqual([]);
  });

  it('unescapes label values and reads special values, exponents and timestamps', () => {
    const text = [
      '# HELP odd_metric A help text with "quotes" and \\ backslashes',
      'odd_metric{path="C:\\\\temp",quote="say \\"hi\\"",multi="a\\nb",empty=""} 1.5e3 1712345678000',
      'odd_metric{ spaced = "yes" , } -Inf',
      'gauge_value +Inf',
      'gauge_value NaN',
      'gauge_value .5',
    ].join('\n');
    const exposition = parsePrometheusText(text);
    expect(exposition.problems).toEqual([]);
    const [first, second] = samplesNamed(exposition, 'odd_metric');
    expect(first).toEqual({ name: 'odd_metric', labels: { path: 'C:\\temp', quote: 'say "hi"', multi: 'a\nb', empty: '' }, value: 1500 });
    expect(second).toEqual({ name: 'odd_metric', labels: { spaced: 'yes' }, value: Number.NEGATIVE_INFINITY });
    const values = samplesNamed(exposition, 'gauge_value').map((sample) => sample.value);
    expect(values[0]).toBe(Number.POSITIVE_INFINITY);
    expect(values[1]).toBeNaN();
    expect(values[2]).toBe(0.5);
  });

  it('skips malformed and hostile lines, reports them, and keeps the good ones', () => {
    const text = [
      'good_total 1',
      '{no_name="x"} 1',
      'bad_value abc',
      'unterminated{label="oops} 1',
      'unquoted{label=oops} 1',
      'no_equals{label"x"} 1',
      'missing_value{label="x"}',
      'too_many 1 2 3',
      '<script>alert(1)</script>',
      'good_total{kind="<img src=x onerror=alert(1)>"} 2',
      'trailing_escape{label="x\\',
    ].join('\r\n');
    const exposition = parsePrometheusText(text);
    expect(samplesNamed(exposition, 'good_total').map((sample) => sample.value)).toEqual([1, 2]);
    expect(samplesNamed(exposition, 'good_total')[1]?.labels.kind).toBe('<img src=x onerror=alert(1)>');
    expect(exposition.problems).toHaveLength(9);
    expect(exposition.problems[0]).toMatch(/^line 2: /);
  });

  it('bounds the problems it reports for a page of garbage', () => {
    const exposition = parsePrometheusText('%%%\n'.repeat(10_000));
    expect(exposition.problems).toHaveLength(20);
    expect(exposition.samples.size).toBe(0);
  });
});
