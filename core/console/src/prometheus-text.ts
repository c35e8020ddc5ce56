/** One sample line of a Prometheus text exposition. */
export interface PrometheusSample {
  /** The sample's own name (`acai_tool_call_duration_seconds_bucket`, not the family name). */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A parsed exposition: samples by name, `# TYPE` declarations, and the lines that were skipped. */
export interface PrometheusExposition {
  readonly samples: ReadonlyMap<string, readonly PrometheusSample[]>;
  /** Family name → `counter`, `gauge`, `histogram`, `summary` or `untyped`. */
  readonly types: ReadonlyMap<string, string>;
  /** Line numbers (1-based) and reasons of lines that were not understood; parsing goes on after them. */
  readonly problems: readonly string[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const MAX_REPORTED_PROBLEMS = 20;

/**
 * Parses the Prometheus text exposition format 0.0.4 (what prom-client serves): `# HELP`/`# TYPE`
 * comments, samples with optional labels (escapes `\\`, `\"`, `\n`), values including `+Inf`, `-Inf`
 * and `NaN`, and optional timestamps. A line it cannot read is reported in `problems` and skipped,
 * so one odd series never blanks the whole view.
 */
export function parsePrometheusText(text: string): PrometheusExposition {
  const samples = new Map<string, PrometheusSample[]>();
  const types = new Map<string, string>();
  const problems: string[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!.replace(/\r$/, '').trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const declaration = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (declaration) types.set(declaration[1]!, declaration[2]!);
      continue;
    }
    const sample = parseSampleLine(line);
    if (typeof sample === 'string') {
      if (problems.length < MAX_REPORTED_PROBLEMS) problems.push(`line ${index + 1}: ${sample}`);
      continue;
    }
    const list = samples.get(sample.name);
    if (list === undefined) samples.set(sample.name, [sample]);
    else list.push(sample);
  }
  return { samples, types, problems };
}

/** The samples named `name` (empty when there are none). */
export function samplesNamed(exposition: PrometheusExposition, name: string): readonly PrometheusSample[] {
  return exposition.samples.get(name) ?? [];
}

/** Parses `name{labels} value [timestamp]`; returns the reason as a string when the line is malformed. */
function parseSampleLine(line: string): PrometheusSample | string {
  const name = METRIC_NAME.exec(line)?.[0];
  if (name === undefined) return 'no metric name';
  let position = name.length;
  const labels: Record<string, string> = {};
  if (line[position] === '{') {
    position += 1;
    for (;;) {
      position = skipSpaces(line, position);
      if (line[position] === '}') {
        position += 1;
        break;
      }
      const labelName = LABEL_NAME.exec(line.slice(position))?.[0];
      if (labelName === undefined) return 'bad label name';
      position = skipSpaces(line, position + labelName.length);
      if (line[position] !== '=') return `label ${labelName} has no "="`;
      position = skipSpaces(line, position + 1);
      if (line[position] !== '"') return `label ${labelName} is not quoted`;
      const value = readQuoted(line, position + 1);
      if (value === undefined) return `label ${labelName} is not terminated`;
      labels[labelName] = value.text;
      position = skipSpaces(line, value.end);
      if (line[position] === ',') position += 1;
      else if (line[position] !== '}') return 'expected "," or "}" after a label';
    }
  }
  const rest = line.slice(position).trim().split(/\s+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === '') return 'expected a value and an optional timestamp';
  const value = parseValue(rest[0]!);
  if (value === undefined) return `"${rest[0]!.slice(0, 40)}" is not a number`;
  return { name, labels, value };
}

function skipSpaces(line: string, position: number): number {
  let next = position;
  while (line[next] === ' ' || line[next] === '\t') next += 1;
  return next;
}

function readQuoted(line: string, start: number): { text: string; end: number } | undefined {
  let text = '';
  for (let position = start; position < line.length; position += 1) {
    const character = line[position]!;
    if (character === '"') return { text, end: position + 1 };
    if (character === '\\') {
      const escaped = line[position + 1];
      if (escaped === undefined) return undefined;
      text += escaped === 'n' ? '\n' : escaped;
      position += 1;
    } else {
      text += character;
    }
  }
  return undefined;
}

function parseValue(raw: string): number | undefined {
  if (raw === '+Inf' || raw === 'Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  if (raw === 'NaN') return Number.NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) return undefined;
  return Number(raw);
}
