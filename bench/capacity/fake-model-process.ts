// The scripted OpenAI-compatible model for bench:capacity, in its own process so its work never counts
// against the host's CPU. It answers at once: a datetime tool call for a user's message, then a short
// reply built from the tool's result; titles get a fixed text. Usage figures are fixed, so the fake does
// not serialise prompts to estimate them. Started with the API key as argv[2].
import { startFakeOpenAI, type ChatCompletionBody, type FakeStep } from '../../tests/fakes/openai/index.js';
import { announceListening, installProcessProbe } from './process-probe.mjs';

/** The bench's model names: replies and titles. */
export const BENCH_CHAT_MODEL = 'bench-chat';
export const BENCH_TITLE_MODEL = 'bench-title';
/** The tool the fake asks for on every user message (the datetime plugin's, as the host names it). */
export const BENCH_TOOL_NAME = 'datetime__get_current_time';

/** One turn of the scripted model: a tool call on the user's message, then a reply from the tool's result. */
export function benchModelAnswer(body: ChatCompletionBody): FakeStep {
  const usage = { prompt_tokens: 800, completion_tokens: 20 };
  if (body.model === BENCH_TITLE_MODEL) return { type: 'text', content: 'Benchmark Conversation', usage };
  const last = body.messages.at(-1);
  if (last?.role === 'tool') return { type: 'text', content: `It is ${String(last.content).slice(0, 60)}`, usage };
  return { type: 'tool_calls', calls: [{ name: BENCH_TOOL_NAME, arguments: { time_zone: 'Europe/Madrid' } }], usage };
}

if (process.argv[1]?.endsWith('fake-model-process.ts')) {
  process.setSourceMapsEnabled(false);
  installProcessProbe();
  const fake = await startFakeOpenAI({ apiKey: process.argv[2] ?? 'sk-bench' });
  fake.respondWith(benchModelAnswer);
  // The fake records every request for tests; a long run would measure its bookkeeping instead.
  setInterval(() => fake.reset(), 1000).unref();
  announceListening(Number(new URL(fake.baseURL).port));
  process.once('SIGTERM', () => void fake.close().then(() => process.exit(0)));
}
