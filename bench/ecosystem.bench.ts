// npm run bench:ecosystem — how many commands and how much wall time it takes, from an empty folder
// and no host checkout, until a new plugin's tool answers in chat (goal: at most 6 commands and 2
// minutes, excluding first-time package downloads; the issue measured 26 commands and 12 minutes on
// main fbafd54, about 3.5 minutes of it after the host's `npm ci`).
//
// Set-up, not counted: a local registry (verdaccio, uplink-free) with this checkout published to it
// and its third-party packages copied from npm's cache (tests/registry/), an npm user logged in to it,
// and a scripted OpenAI-compatible model whose OPENAI_* settings are in the environment — what an
// author and an operator have configured once. The six commands then run twice, each time in a new
// empty folder with a new plugin: first with an empty npm cache (every package downloaded from the
// loopback registry: the first-time downloads), then again with the cache warm. Both are printed, with
// each command's wall time; the goal applies to the warm run.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeOpenAI, type ChatCompletionBody, type FakeStep } from '../tests/fakes/openai/index.js';
import { createNpmHome, type NpmHome } from '../tests/registry/local-registry.js';
import { cacheSqlitePrebuild, startEcosystemRegistry } from '../tests/registry/ecosystem-registry.js';

const GOAL = { commands: 6, seconds: 120 };

interface Step {
  /** As a person types it (shown in the report). */
  readonly shown: string;
  /** What runs, in `cwd` relative to the run's folder; `cd` only changes the folder. */
  readonly command: readonly string[] | 'cd';
  readonly cwd: string;
  readonly env?: Record<string, string>;
}

function steps(plugin: string): Step[] {
  const folder = `acai-plugin-${plugin}`;
  return [
    { shown: `npm create acai-plugin ${plugin}`, command: ['npm', 'create', 'acai-plugin', plugin], cwd: '.' },
    { shown: `cd ${folder}`, command: 'cd', cwd: folder },
    { shown: 'npm test', command: ['npm', 'test'], cwd: folder },
    { shown: 'npm publish', command: ['npm', 'publish'], cwd: folder },
    {
      shown: `npx @acai/cli plugin add ${folder}@^0.1.0 --config ../plugins.config.json`,
      command: ['npx', '--yes', '@acai/cli', 'plugin', 'add', `${folder}@^0.1.0`, '--config', '../plugins.config.json'],
      cwd: folder,
    },
    {
      shown: 'PLUGINS_CONFIG=../plugins.config.json npx @acai/cli chat --local -m "Greet Ada in Spanish"',
      command: ['npx', '--yes', '@acai/cli', 'chat', '--local', '-m', 'Greet Ada in Spanish'],
      cwd: folder,
      env: { PLUGINS_CONFIG: '../plugins.config.json' },
    },
  ];
}

/** Runs one command to completion; rejects with its output when it fails. */
function runStep(command: readonly string[], cwd: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const [program, ...args] = command;
    const child = spawn(program!, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command.join(' ')} exited ${code}:\n${output.slice(-3000)}`))));
  });
}

/** One pass of the steps in a new empty folder; the per-command wall times and the chat's answer. */
async function journey(npm: NpmHome, plugin: string, modelEnv: Record<string, string>): Promise<{ times: Array<{ shown: string; seconds: number }>; answer: string }> {
  const folder = await mkdtemp(join(tmpdir(), 'acai-bench-ecosystem-'));
  const times: Array<{ shown: string; seconds: number }> = [];
  let answer = '';
  try {
    for (const step of steps(plugin)) {
      const cwd = join(folder, step.cwd);
      const started = process.hrtime.bigint();
      if (step.command === 'cd') await mkdir(cwd, { recursive: true });
      else answer = await runStep(step.command, cwd, { ...npm.env, ...modelEnv, ACAI_DATA_DIR: join(folder, '.acai-data'), ...step.env });
      times.push({ shown: step.shown, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    }
    return { times, answer: answer.trim() };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function report(title: string, run: { times: Array<{ shown: string; seconds: number }>; answer: string }): number {
  const total = run.times.reduce((sum, step) => sum + step.seconds, 0);
  process.stdout.write(`\n${title}\n`);
  for (const [index, step] of run.times.entries()) process.stdout.write(`  ${String(index + 1).padStart(2)}. ${step.seconds.toFixed(1).padStart(6)} s  ${step.shown}\n`);
  process.stdout.write(`  ${run.times.length} commands, ${total.toFixed(1)} s; the model's answer: ${JSON.stringify(run.answer)}\n`);
  return total;
}

function greetingModel(body: ChatCompletionBody): FakeStep {
  if (body.model !== 'bench-chat') return { type: 'text', content: 'Greeting' };
  const last = body.messages.at(-1);
  if (last?.role === 'tool') return { type: 'text', content: `The tool said: ${String(last.content)}` };
  const tool = body.tools?.find((candidate) => candidate.function.name.endsWith('__format_greeting'));
  return tool === undefined ? { type: 'text', content: 'No greeting tool.' } : { type: 'tool_calls', calls: [{ name: tool.function.name, arguments: { name: 'Ada', language: 'es' } }] };
}

const setUpStarted = process.hrtime.bigint();
process.stdout.write('setting up: local registry with this checkout published (not counted)…\n');
const fake = await startFakeOpenAI();
fake.respondWith(greetingModel);
const ecosystem = await startEcosystemRegistry();
const modelEnv = { OPENAI_API_KEY: fake.apiKey, OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: 'bench-chat', OPENAI_TITLE_MODEL: 'bench-title', LOG_LEVEL: 'error' };
let cold: NpmHome | undefined;
try {
  process.stdout.write(`set-up took ${(Number(process.hrtime.bigint() - setUpStarted) / 1e9).toFixed(0)} s (registry ${ecosystem.registry.url}, ${ecosystem.seeded} packages from npm's cache)\n`);
  // A user whose npm cache is empty: every package comes down from the registry (better-sqlite3's prebuilt
  // binary, which a normal machine downloads from GitHub, is put where that download would land).
  cold = await createNpmHome(ecosystem.registry);
  await cacheSqlitePrebuild(join(cold.home, '.npm'));
  const coldTotal = report('cold (first-time downloads from the loopback registry):', await journey(cold, 'greeter-one', modelEnv));
  const warm = await journey(cold, 'greeter-two', modelEnv);
  const warmTotal = report('warm (the same user again, packages already downloaded):', warm);
  const isMet = warm.times.length <= GOAL.commands && warmTotal <= GOAL.seconds;
  process.stdout.write(
    `\ngoal: ≤ ${GOAL.commands} commands and ≤ ${GOAL.seconds} s excluding first-time downloads → ${warm.times.length} commands, ${warmTotal.toFixed(1)} s: ${isMet ? 'met' : 'NOT met'}` +
      `\nwarm / cold wall time: ${(warmTotal / coldTotal).toFixed(2)}; before (main fbafd54, from the issue): 26 commands, ~12 min (~3.5 min after the host's npm ci)\n`,
  );
} finally {
  await cold?.remove();
  await ecosystem.close();
  await fake.close();
}
