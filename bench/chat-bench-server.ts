// The server half of bench/chat.bench.ts, run in its own process so the server under test gets a
// core of its own while the driver (autocannon + the fake model) uses the other.
//   tsx bench/chat-bench-server.ts acai      the real host (startHost: auth, rate limits, metrics,
//                                            logging, Twirp, chat loop, plugin host, Mongo store)
//   tsx bench/chat-bench-server.ts baseline  a bare Fastify route making the same store calls
//                                            (ConversationStore get + append), the same two model
//                                            calls and the same tool call, and nothing else
//   tsx bench/chat-bench-server.ts proxy     a bare node:http pass-through to the model's
//                                            /chat/completions (body in, streamed answer piped
//                                            back): the cost of one more process on the way
// Both read the bench environment (MONGODB_URL or an embedded data dir, OPENAI_*) and write one JSON line
// `{"port": N}` on stderr when listening (stdout is the host's log); they stop on SIGTERM.
import { createServer, request as httpRequest } from 'node:http';
import datetimePlugin from '@acai/plugin-datetime';
import type { ToolContext } from '@acai/plugin-sdk';
import Fastify from 'fastify';
import OpenAI from 'openai';
import { pino } from 'pino';
import { startHost } from '../core/src/main.js';
import { createConversationStore } from '../core/src/storage/index.js';

const mode = process.argv[2];
const TENANT = 'bench';

function announce(port: number): void {
  process.stderr.write(`${JSON.stringify({ port })}\n`);
}

async function serveAcai(): Promise<void> {
  // Everything as in production except the port; logs go wherever stdout goes (the driver discards them).
  const host = await startHost({ port: 0, host: '127.0.0.1' });
  // The driver asks for a full GC (the process runs with --expose-gc) before it reads the heap size.
  const collectGarbage = (globalThis as { gc?: () => void }).gc;
  if (collectGarbage) process.on('SIGUSR2', () => collectGarbage());
  announce(Number(new URL(host.url).port));
}

async function serveBaseline(): Promise<void> {
  const environment = process.env;
  const logger = pino({ level: 'silent' });
  // The same ConversationStore calls a turn makes (get with the newest 100 messages, one append),
  // so the ratio isolates what Acai adds around them.
  const store = await createConversationStore({
    ...(environment.MONGODB_URL ? { mongodbUrl: environment.MONGODB_URL } : {}),
    ...(environment.MONGODB_DATABASE ? { mongoDatabase: environment.MONGODB_DATABASE } : {}),
    dataDir: environment.BENCH_BASELINE_DATA_DIR!,
    logger,
  });
  const openai = new OpenAI({ apiKey: environment.OPENAI_API_KEY, baseURL: environment.OPENAI_BASE_URL, maxRetries: 0 });
  const model = environment.OPENAI_MODEL!;
  const tool = datetimePlugin.tools.find((candidate) => candidate.name === 'get_current_time')!;
  const toolContext = { config: {}, clock: { now: () => new Date(), timeZone: 'UTC' } } as unknown as ToolContext;
  const tools = [{ type: 'function' as const, function: { name: 'datetime__get_current_time', description: tool.description, parameters: tool.parameters as Record<string, unknown>, strict: true } }];

  const app = Fastify({ logger: false });
  app.post<{ Body: { conversation_id?: string; message: string } }>('/continue', async (request) => {
    const { conversation_id: id, message } = request.body;
    const conversation = id === undefined ? undefined : await store.get(TENANT, id, { recentMessages: 100 });
    if (id !== undefined && !conversation) throw new Error('conversation not found');
    const history = (conversation?.messages ?? []).map((stored) => ({ role: stored.role, content: stored.content }));
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'system', content: 'You are a helpful assistant.' }, ...history, { role: 'user', content: message }];
    const first = await openai.chat.completions.create({ model, messages, tools });
    const call = first.choices[0]?.message.tool_calls?.[0];
    let reply = first.choices[0]?.message.content ?? '';
    if (call && call.type === 'function') {
      const output = await tool.execute(JSON.parse(call.function.arguments) as never, toolContext);
      const content = typeof output === 'string' ? output : (output as { content: string }).content;
      messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content });
      const second = await openai.chat.completions.create({ model, messages, tools });
      reply = second.choices[0]?.message.content ?? '';
    }
    const turn = [
      { role: 'user' as const, content: message },
      { role: 'assistant' as const, content: reply },
    ];
    if (conversation) {
      await store.append(TENANT, conversation.id, turn);
      return { conversation_id: conversation.id, reply };
    }
    const created = await store.create({ tenantId: TENANT, title: 'Baseline conversation', messages: turn });
    return { conversation_id: created.id, reply };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  announce(typeof address === 'object' && address ? address.port : 0);
  process.once('SIGTERM', () => {
    void app.close().then(() => store.close()).then(() => process.exit(0));
  });
}

async function serveProxy(): Promise<void> {
  const target = new URL(`${process.env.OPENAI_BASE_URL!.replace(/\/+$/, '')}/chat/completions`);
  const server = createServer((request, response) => {
    const upstream = httpRequest(target, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.OPENAI_API_KEY}` } }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'application/json' });
      answer.pipe(response);
    });
    request.pipe(upstream);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    announce(typeof address === 'object' && address ? address.port : 0);
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

if (mode === 'acai') await serveAcai();
else if (mode === 'baseline') await serveBaseline();
else if (mode === 'proxy') await serveProxy();
else {
  process.stderr.write('usage: chat-bench-server.ts acai|baseline|proxy\n');
  process.exit(2);
}
