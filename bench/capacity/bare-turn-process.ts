// The in-run baseline of bench:capacity: a bare Fastify route doing a turn's irreducible work and
// nothing else — the same two outbound HTTP calls to the same fake model (a tool call, then the reply
// after the tool's result) over keep-alive node:http, and one SQLite insert in WAL mode (the host's
// pragmas). No auth, validation, history, tokenizer, telemetry or plugin host: the floor a turn could
// cost on this machine. Configured by argv: the model's base URL, its API key and a data folder.
import { mkdirSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { BENCH_CHAT_MODEL, BENCH_TOOL_NAME } from './fake-model-process.js';
import { announceListening, installProcessProbe } from './process-probe.mjs';

/** The path the bare route serves (the same JSON body as ContinueConversation). */
export const BARE_TURN_PATH = '/turn';

interface Completion {
  choices: Array<{ message: { content: string | null; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> } }>;
}

const TOOL = {
  type: 'function',
  function: {
    name: BENCH_TOOL_NAME,
    description: 'Current date and time in a time zone',
    parameters: { type: 'object', properties: { time_zone: { type: ['string', 'null'] } }, required: ['time_zone'], additionalProperties: false },
    strict: true,
  },
};

async function serveBareTurns(baseURL: string, apiKey: string, dataDir: string): Promise<void> {
  const completions = new URL(`${baseURL.replace(/\/+$/, '')}/chat/completions`);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const complete = (body: unknown): Promise<Completion> =>
    new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const outgoing = httpRequest(
        completions,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${apiKey}` } },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => {
            if (answer.statusCode !== 200) reject(new Error(`model answered ${answer.statusCode}`));
            else resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Completion);
          });
          answer.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(payload);
    });

  mkdirSync(dataDir, { recursive: true });
  const database = new Database(join(dataDir, 'bare.db'));
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.exec('CREATE TABLE IF NOT EXISTS turns (conversation_id TEXT NOT NULL, message TEXT NOT NULL, reply TEXT NOT NULL, created_at INTEGER NOT NULL)');
  const insert = database.prepare('INSERT INTO turns (conversation_id, message, reply, created_at) VALUES (?, ?, ?, ?)');

  const app = Fastify({ logger: false });
  app.post<{ Body: { conversation_id?: string; message?: string } }>(BARE_TURN_PATH, async (request) => {
    const conversationId = String(request.body.conversation_id ?? '');
    const message = String(request.body.message ?? '');
    const messages: unknown[] = [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: message },
    ];
    const first = await complete({ model: BENCH_CHAT_MODEL, messages, tools: [TOOL], tool_choice: 'auto' });
    const asked = first.choices[0]?.message;
    const call = asked?.tool_calls?.[0];
    let reply = asked?.content ?? '';
    if (call) {
      messages.push({ role: 'assistant', content: asked?.content ?? null, tool_calls: [{ id: call.id, type: 'function', function: call.function }] });
      messages.push({ role: 'tool', tool_call_id: call.id, content: `Current time: ${new Date().toISOString()}` });
      const second = await complete({ model: BENCH_CHAT_MODEL, messages, tools: [TOOL], tool_choice: 'auto' });
      reply = second.choices[0]?.message.content ?? '';
    }
    insert.run(conversationId, message, reply, Date.now());
    return { conversation_id: conversationId, reply };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  announceListening(typeof address === 'object' && address ? address.port : 0);
  process.once('SIGTERM', () => void app.close().then(() => database.close()).then(() => process.exit(0)));
}

if (process.argv[1]?.endsWith('bare-turn-process.ts')) {
  process.setSourceMapsEnabled(false);
  installProcessProbe();
  const [baseURL, apiKey, dataDir] = process.argv.slice(2);
  if (!baseURL || !apiKey || !dataDir) {
    process.stderr.write('usage: bare-turn-process.ts <model base URL> <api key> <data dir>\n');
    process.exit(2);
  }
  await serveBareTurns(baseURL, apiKey, dataDir);
}
