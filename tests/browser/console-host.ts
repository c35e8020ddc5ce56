// The real host the browser suite drives: buildApp on a free port with MongoDB-wire and Redis from
// tests/support, API keys for a chat user and an operator, the shipped datetime plugin and the
// console-probe fixture (hostile markup), and the fake OpenAI server answering through the real
// `openai` client. The console is the built one (core/dist/console), as `npm start` serves it.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILT_CONSOLE_DIRECTORY } from '../../core/src/web-console/index.js';
import { startFakeOpenAI, type ChatCompletionBody, type FakeOpenAIServer, type FakeStep } from '../fakes/openai/index.js';
import { START_UP_DEADLINE_MS } from '../support/timing.js';
import { CHAT_MODEL, fakeModelEnv, sharedServicesEnv, startTestHost, TITLE_MODEL, twirpJson, bearer, type RunningTestHost } from '../e2e/host-support.js';

export const CHAT_KEY = 'acai_browser_chat_key_0123456789abcdef';
export const ADMIN_KEY = 'acai_browser_admin_key_0123456789abcdef';
export const PROBE_TOOL = 'console-probe__render_markup';
export const TIME_TOOL = 'datetime__get_current_time';

const REPO_NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));
const PROBE_PLUGIN = fileURLToPath(new URL('../fixtures/plugins/console-probe', import.meta.url));
const MCP_STDIO_SERVER = fileURLToPath(new URL('../fixtures/mcp-servers/stdio-server.js', import.meta.url));
/** An MCP server over stdio, so the plugins page shows the other plugin kind too. */
export const MCP_PLUGIN = 'echo-mcp';

export interface ConsoleHost {
  readonly url: string;
  readonly host: RunningTestHost;
  readonly fake: FakeOpenAIServer;
  /** A chat RPC with the chat key (test set-up through the API, not the browser). */
  chat(method: string, body: unknown): Promise<{ status: number; body: Record<string, any> }>;
  close(): Promise<void>;
}

/**
 * The scripted "model": titles name the first message; "markup" calls the probe tool, "time" the
 * datetime tool (only when offered, like a real model); a tool result is read back, streamed in
 * two chunks; anything else is echoed.
 */
export function scriptedConsoleModel(body: ChatCompletionBody): FakeStep {
  const last = body.messages.at(-1);
  const text = typeof last?.content === 'string' ? last.content : '';
  if (body.model === TITLE_MODEL) return { type: 'text', content: `About ${text.split(/\s+/).slice(0, 4).join(' ')}` };
  if (last?.role === 'tool') return { type: 'text', content: `The tool said: ${String(last.content)}`, chunks: ['The tool said: ', String(last.content)] };
  const offered = new Set(body.tools?.map((tool) => tool.function.name) ?? []);
  if (/\bmarkup\b/i.test(text) && offered.has(PROBE_TOOL)) return { type: 'tool_calls', calls: [{ name: PROBE_TOOL, arguments: { label: 'probe' } }] };
  if (/\btime\b/i.test(text) && offered.has(TIME_TOOL)) return { type: 'tool_calls', calls: [{ name: TIME_TOOL, arguments: { time_zone: 'Europe/Madrid' } }] };
  return { type: 'text', content: `echo: ${text}` };
}

export async function startConsoleHost(prefix: string): Promise<ConsoleHost> {
  if (!existsSync(join(BUILT_CONSOLE_DIRECTORY, 'index.html'))) {
    throw new Error(`the console is not built (${BUILT_CONSOLE_DIRECTORY}); run \`npm run build:console\` (npm test does)`);
  }
  const fake = await startFakeOpenAI();
  fake.respondWith(scriptedConsoleModel);
  const pluginsDir = await mkdtemp(join(tmpdir(), 'acai-browser-plugins-'));
  await symlink(REPO_NODE_MODULES, join(pluginsDir, 'node_modules'), 'dir');
  const configPath = join(pluginsDir, 'plugins.config.json');
  await writeFile(
    configPath,
    JSON.stringify({
      // Start-up gets the suite's budget: the worker probe and the MCP server start next to busy processes.
      defaults: { policy: { timeoutMs: 10_000, setupTimeoutMs: START_UP_DEADLINE_MS } },
      plugins: [
        { name: 'datetime', package: '@acai/plugin-datetime', version: '^1.0.0' },
        { name: 'console-probe', path: PROBE_PLUGIN },
        { name: MCP_PLUGIN, mcp: { command: process.execPath, args: [MCP_STDIO_SERVER, '--only=echo', '--name=echo-fixture', '--version=0.4.0'] } },
      ],
    }),
  );
  const host = await startTestHost({
    ...fakeModelEnv(fake),
    ...sharedServicesEnv(prefix),
    PLUGINS_CONFIG: configPath,
    PLUGINS_WATCH: 'false',
    ACAI_API_KEYS: `${CHAT_KEY}:tenant-browser:chat,${ADMIN_KEY}:ops:admin`,
    RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_BURST: '100000',
  });
  return {
    url: host.url,
    host,
    fake,
    chat: (method, body) => twirpJson(host.url, method, body, bearer(CHAT_KEY)),
    async close() {
      await host.close();
      await fake.close();
      await rm(pluginsDir, { recursive: true, force: true });
    },
  };
}

export { CHAT_MODEL };
