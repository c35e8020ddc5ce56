// Splits a V8 CPU profile (node --cpu-prof, e.g. from BENCH_PROFILE_DIR) by component: self time per
// package (node_modules/<name>), per folder of the host (core/dist/<folder>), per part of Node's own
// JavaScript (undici's fetch, web streams, AbortSignal…), GC and idle; native functions count for their
// caller. Optionally divided by a turn count, so the split reads as milliseconds per turn.
//   npx tsx bench/capacity/summarize-cpu-profile.ts <file.cpuprofile> [turns] [skip seconds]
// (skip the first seconds to leave start-up — module loading and compilation — out of the split).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

// Node's internal modules grouped by what they do on the request path.
const NODE_INTERNALS: ReadonlyArray<readonly [RegExp, string]> = [
  [/internal\/deps\/undici/, 'node: undici (fetch)'],
  [/internal\/webstreams/, 'node: web streams'],
  [/internal\/abort_controller|internal\/event_target/, 'node: AbortSignal / EventTarget'],
  [/internal\/streams|^node:stream/, 'node: streams'],
  [/_http_|internal\/http|^node:http/, 'node: http'],
  [/^node:net|internal\/net|stream_base_commons/, 'node: net'],
  [/internal\/timers|^node:timers/, 'node: timers'],
  [/internal\/(util|url|errors|validators|buffer)|^node:buffer|^node:url/, 'node: util/url/buffer/errors'],
  [/internal\/process\/task_queues|internal\/async_hooks|async_hooks/, 'node: microtasks/async hooks'],
];

/** The component a call frame belongs to. */
export function componentOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return 'program (native, unattributed)';
    return `native: ${functionName || '(anonymous)'}`;
  }
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) return packageMatch[1]!;
  const core = /\/core\/(?:dist|src)\/([^/]+)(?:\/|$)/.exec(url);
  if (core) return `acai core/${core[1]!.replace(/\.js$/, '')}`;
  const plugin = /\/(plugins\/[^/]+|plugin-sdk)\//.exec(url);
  if (plugin) return `acai ${plugin[1]}`;
  if (url.startsWith('node:')) {
    for (const [pattern, name] of NODE_INTERNALS) if (pattern.test(url)) return name;
    return 'node: other';
  }
  return url.includes('/bench/') ? 'bench harness' : `other: ${url.slice(-60)}`;
}

// Components grouped into the parts of a turn the report speaks of.
const GROUPS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^native: (writev|writeString|utf8Write|read)$|^node: (net|http)$/, 'socket I/O and HTTP framing (syscalls are wall time: inflated by preemption)'],
  [/^openai$|undici|web streams|^acai core\/llm$/, 'model calls: client, transport, JSON bodies'],
  [/^better-sqlite3$|^acai core\/storage$/, 'store (SQLite)'],
  [/^gpt-tokenizer$|^native: RegExp/, 'tokenizer'],
  [/^GC$/, 'garbage collection'],
  [/AbortSignal|^acai core\/deadlines$/, 'AbortSignal / timers plumbing'],
  [/^fastify$|find-my-way|^acai core\/(rpc|auth|admission)$|@bufbuild|^ajv$/, 'edge: Fastify, Twirp, protobuf/JSON codec, auth, admission'],
  [/^pino$|sonic-boom|^acai core\/observability$|prom-client|@opentelemetry/, 'logging, metrics, tracing'],
  [/^acai core\/(chat|cache|sessions)$/, 'chat use case (context, tool loop, caches)'],
  [/^acai (plugins|plugin-sdk)|^acai core\/plugin-host$|cockatiel/, 'tool call (plugin host + datetime plugin)'],
];

/** The coarse part of a turn a component belongs to. */
export function groupOf(component: string): string {
  for (const [pattern, name] of GROUPS) if (pattern.test(component)) return name;
  return 'other (Node internals, microtasks, unattributed)';
}

// Frames V8 keeps apart from the code that called them: the samples of these are what they say.
const UNATTRIBUTABLE = new Set(['(garbage collector)', '(idle)', '(program)', '(root)']);

/**
 * The component a sample belongs to. A native function (no script URL: better-sqlite3's `run` and `all`,
 * the socket's `writev`) is charged to the JavaScript that called it — its package or host folder —
 * so a SQLite commit counts as the store and a socket write as the network, not as "native".
 */
function sampleComponent(node: ProfileNode, byNode: ReadonlyMap<number, ProfileNode>, parentOf: ReadonlyMap<number, number>): string {
  const { url, functionName } = node.callFrame;
  if (url !== '' || UNATTRIBUTABLE.has(functionName)) return componentOf(url, functionName);
  for (let id = parentOf.get(node.id); id !== undefined; id = parentOf.get(id)) {
    const caller = byNode.get(id);
    if (caller !== undefined && caller.callFrame.url !== '') return componentOf(caller.callFrame.url, caller.callFrame.functionName);
  }
  return componentOf(url, functionName);
}

/** Self time (ms) by component, largest first, leaving out the first `skipMs` of the profile. */
export function selfTimeByComponent(profile: CpuProfile, skipMs = 0): Array<{ component: string; ms: number }> {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const totals = new Map<string, number>();
  let elapsedMs = 0;
  profile.samples.forEach((nodeId, index) => {
    elapsedMs += (profile.timeDeltas[index] ?? 0) / 1000;
    if (elapsedMs < skipMs) return;
    const node = byNode.get(nodeId);
    if (!node) return;
    const component = sampleComponent(node, byNode, parentOf);
    totals.set(component, (totals.get(component) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000);
  });
  return [...totals.entries()].map(([component, ms]) => ({ component, ms })).sort((left, right) => right.ms - left.ms);
}

/** A profile's busy time split by part of the turn and by component (ms, largest first; idle left out). */
export interface CpuSplit {
  readonly busyMs: number;
  readonly groups: ReadonlyArray<{ readonly name: string; readonly ms: number }>;
  readonly components: ReadonlyArray<{ readonly name: string; readonly ms: number }>;
}

/** Splits `profile`'s busy samples (after the first `skipMs`) by part of the turn and by component. */
export function cpuSplit(profile: CpuProfile, skipMs = 0): CpuSplit {
  const rows = selfTimeByComponent(profile, skipMs).filter((row) => row.component !== 'idle');
  const groups = new Map<string, number>();
  for (const row of rows) groups.set(groupOf(row.component), (groups.get(groupOf(row.component)) ?? 0) + row.ms);
  return {
    busyMs: rows.reduce((sum, row) => sum + row.ms, 0),
    groups: [...groups.entries()].map(([name, ms]) => ({ name, ms })).sort((left, right) => right.ms - left.ms),
    components: rows.map((row) => ({ name: row.component, ms: row.ms })),
  };
}

/**
 * Prints a split as shares of the busy samples and, given the CPU per turn measured without the
 * profiler (`cpuPerTurnMs`), as milliseconds per turn: the profiler's own cost stays out of the figures.
 */
export function printCpuSplit(split: CpuSplit, options: { cpuPerTurnMs?: number; maxComponents?: number; indent?: string } = {}): void {
  const indent = options.indent ?? '  ';
  const line = (ms: number, name: string): string => {
    const share = ms / split.busyMs;
    const perTurn = options.cpuPerTurnMs === undefined ? '' : `  ${(share * options.cpuPerTurnMs).toFixed(3)} ms/turn`;
    return `${indent}  ${(share * 100).toFixed(1).padStart(5)}%${perTurn}  ${name}`;
  };
  console.log(`${indent}by part of the turn:`);
  for (const group of split.groups) console.log(line(group.ms, group.name));
  console.log(`${indent}by component${options.maxComponents ? ` (top ${options.maxComponents})` : ''}:`);
  for (const component of split.components.slice(0, options.maxComponents)) console.log(line(component.ms, component.name));
}

if (process.argv[1]?.endsWith('summarize-cpu-profile.ts')) {
  const [file, turnsText, skipText] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: summarize-cpu-profile.ts <file.cpuprofile> [turns] [skip seconds]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const turns = turnsText ? Number(turnsText) : undefined;
  const split = cpuSplit(profile, skipText ? Number(skipText) * 1000 : 0);
  console.log(`busy ${split.busyMs.toFixed(0)} ms${turns ? ` (${(split.busyMs / turns).toFixed(3)} ms per turn over ${turns} turns)` : ''}`);
  printCpuSplit(split, { cpuPerTurnMs: turns ? split.busyMs / turns : undefined, indent: '' });
}
