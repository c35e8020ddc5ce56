import { countAxis, linearScale, niceCeiling, ticks } from './chart-scale.js';
import { svgElement } from './dom.js';

// Small SVG charts drawn with DOM APIs: colours come from CSS classes (no inline styles under the
// CSP), every mark has a <title> for hover text, and the chart has a text summary for screen readers.

const WIDTH = 640;
const HEIGHT = 220;
const MARGIN = { top: 12, right: 12, bottom: 28, left: 64 };

/** A line of the line chart; `undefined` values leave a gap (an interval without observations). */
export interface LineSeries {
  readonly label: string;
  readonly className: string;
  readonly points: readonly { readonly x: number; readonly y: number | undefined }[];
}

/** One stacked bar. */
export interface BarStack {
  readonly x: number;
  readonly segments: readonly { readonly label: string; readonly className: string; readonly value: number }[];
}

interface AxisOptions {
  readonly summary: string;
  readonly formatX: (value: number) => string;
  readonly formatY: (value: number) => string;
}

/** A time-series line chart. */
export function lineChart(series: readonly LineSeries[], options: AxisOptions): SVGSVGElement {
  const allPoints = series.flatMap((line) => line.points);
  const xs = allPoints.map((point) => point.x);
  const maximum = niceCeiling(Math.max(0, ...allPoints.map((point) => point.y ?? 0)));
  const frame = chartFrame(options, [Math.min(...xs), Math.max(...xs)], maximum, 4);
  for (const line of series) {
    // One path per run of defined points, so gaps stay gaps.
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1) frame.plot.append(svgElement('path', { class: `chart-line ${line.className}`, d: `M${run.join('L')}` }));
      run = [];
    };
    for (const point of line.points) {
      if (point.y === undefined) {
        flush();
        continue;
      }
      const x = frame.x(point.x);
      const y = frame.y(point.y);
      run.push(`${x.toFixed(1)},${y.toFixed(1)}`);
      frame.plot.append(
        svgElement('circle', { class: `chart-point ${line.className}`, cx: x.toFixed(1), cy: y.toFixed(1), r: 3 }, svgElement('title', {}, `${line.label} ${options.formatY(point.y)} at ${options.formatX(point.x)}`)),
      );
    }
    flush();
  }
  return frame.svg;
}

/** A stacked bar chart (e.g. calls per interval by outcome). */
export function stackedBarChart(stacks: readonly BarStack[], options: AxisOptions): SVGSVGElement {
  const totals = stacks.map((stack) => stack.segments.reduce((sum, segment) => sum + segment.value, 0));
  const { maximum, tickCount } = countAxis(Math.max(0, ...totals));
  const xs = stacks.map((stack) => stack.x);
  const frame = chartFrame(options, [Math.min(...xs), Math.max(...xs)], maximum, tickCount, true);
  const slot = (WIDTH - MARGIN.left - MARGIN.right) / Math.max(stacks.length, 1);
  const barWidth = Math.max(2, Math.min(24, slot * 0.7));
  for (const stack of stacks) {
    let base = 0;
    for (const segment of stack.segments) {
      if (segment.value <= 0) continue;
      const top = frame.y(base + segment.value);
      frame.plot.append(
        svgElement(
          'rect',
          { class: `chart-bar ${segment.className}`, x: (frame.x(stack.x) - barWidth / 2).toFixed(1), y: top.toFixed(1), width: barWidth.toFixed(1), height: Math.max(0, frame.y(base) - top).toFixed(1) },
          svgElement('title', {}, `${segment.label}: ${segment.value} at ${options.formatX(stack.x)}`),
        ),
      );
      base += segment.value;
    }
  }
  return frame.svg;
}

interface ChartFrame {
  readonly svg: SVGSVGElement;
  readonly plot: SVGGElement;
  readonly x: (value: number) => number;
  readonly y: (value: number) => number;
}

function chartFrame(options: AxisOptions, xDomain: [number, number], maximum: number, tickCount: number, isBanded = false): ChartFrame {
  const svg = svgElement('svg', { class: 'chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': options.summary });
  const inset = isBanded ? 14 : 0;
  const x = linearScale(Number.isFinite(xDomain[0]) ? xDomain : [0, 1], [MARGIN.left + inset, WIDTH - MARGIN.right - inset]);
  const y = linearScale([0, maximum], [HEIGHT - MARGIN.bottom, MARGIN.top]);
  const axes = svgElement('g', { class: 'chart-axes' });
  for (const tick of ticks(maximum, tickCount)) {
    axes.append(
      svgElement('line', { class: 'chart-grid-line', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(tick).toFixed(1), y2: y(tick).toFixed(1) }),
      svgElement('text', { class: 'chart-label', x: MARGIN.left - 6, y: (y(tick) + 4).toFixed(1), 'text-anchor': 'end' }, options.formatY(tick)),
    );
  }
  if (Number.isFinite(xDomain[0])) {
    axes.append(
      svgElement('text', { class: 'chart-label', x: MARGIN.left, y: HEIGHT - 8, 'text-anchor': 'start' }, options.formatX(xDomain[0])),
      svgElement('text', { class: 'chart-label', x: WIDTH - MARGIN.right, y: HEIGHT - 8, 'text-anchor': 'end' }, options.formatX(xDomain[1])),
    );
  }
  const plot = svgElement('g', { class: 'chart-plot' });
  svg.append(axes, plot);
  return { svg, plot, x, y };
}
