// What one chat turn costs the MongoDB-wire store (bench:capacity section 7): the ConversationStore
// calls a turn makes — ContinueConversation: get (newest 100 messages) + append; a session turn when
// Redis misses: findLatestForSession first; StartConversation: create (+ setTitle when the title is
// late) — replayed through the real MongoConversationStore on a client with command monitoring, so every
// wire command is counted and timed, and each query's plan is shown (explain).
import { MongoClient, ObjectId, type CommandStartedEvent, type CommandSucceededEvent, type Document } from 'mongodb';
import { MongoConversationStore, type NewMessage } from '../../core/src/storage/index.js';
import { percentile } from '../bench-support.js';

const TENANT = 'bench-cost';
const SESSION = { platform: 'bench', userId: 'user-1', chatId: 'chat-1' };

/** A stored turn as the host writes one: the user's message and a reply with one tool-call record. */
function turnMessages(index: number): NewMessage[] {
  return [
    { role: 'user', content: `What time is it? (${index})`, tokens: 9 },
    {
      role: 'assistant',
      content: 'It is Current time in Europe/Madrid: Sunday, 2026-03-01 11:00:00 (UTC+01:00).',
      promptVersion: 'default@1',
      tokens: 30,
      toolCalls: [
        {
          id: `call_${index}`,
          name: 'datetime__get_current_time',
          plugin: 'datetime',
          pluginVersion: '1.0.0',
          tool: 'get_current_time',
          arguments: '{"time_zone":"Europe/Madrid"}',
          result: 'Current time in Europe/Madrid: Sunday, 2026-03-01 11:00:00 (UTC+01:00). ISO 8601: 2026-03-01T11:00:00+01:00',
          outcome: 'ok',
          durationMs: 1,
        },
      ],
    },
  ];
}

interface CommandCount {
  readonly name: string;
  readonly collection: string;
  count: number;
  readonly durationsMs: number[];
}

/** One named store call's wire cost, per call. */
export interface StoreCallCost {
  readonly call: string;
  readonly commandsPerCall: number;
  readonly commands: string;
  readonly medianMs: number;
  readonly p99Ms: number;
}

/** Replays a turn's store calls `rounds` times and prints commands, timings and query plans. */
export async function measureStoreCost(url: string, databaseName: string, rounds = 200): Promise<{ calls: StoreCallCost[]; plans: Record<string, unknown> }> {
  const client = new MongoClient(url, { monitorCommands: true, ignoreUndefined: true });
  const started = new Map<number, { name: string; collection: string }>();
  let counts = new Map<string, CommandCount>();
  client.on('commandStarted', (event: CommandStartedEvent) => {
    const collection = String((event.command as Document)[event.commandName] ?? '');
    started.set(event.requestId, { name: event.commandName, collection: typeof collection === 'string' ? collection : '' });
  });
  client.on('commandSucceeded', (event: CommandSucceededEvent) => {
    const command = started.get(event.requestId);
    started.delete(event.requestId);
    if (!command) return;
    const key = `${command.name} ${command.collection}`;
    const entry = counts.get(key) ?? { name: command.name, collection: command.collection, count: 0, durationsMs: [] };
    entry.count += 1;
    entry.durationsMs.push(event.duration);
    counts.set(key, entry);
  });
  await client.connect();
  const store = new MongoConversationStore({ client, databaseName });
  try {
    await store.init();
    const conversationIds: string[] = [];
    for (let index = 0; index < rounds; index += 1) {
      const created = await store.create({ tenantId: TENANT, title: 'cost', session: { ...SESSION, chatId: `chat-${index}` }, messages: [...turnMessages(0), ...turnMessages(1)] });
      conversationIds.push(created.id);
    }
    const calls: StoreCallCost[] = [];
    const replay = async (call: string, action: (id: string, index: number) => Promise<unknown>): Promise<void> => {
      counts = new Map();
      const times: number[] = [];
      for (let index = 0; index < rounds; index += 1) {
        const begun = performance.now();
        await action(conversationIds[index]!, index);
        times.push(performance.now() - begun);
      }
      const total = [...counts.values()].reduce((sum, entry) => sum + entry.count, 0);
      const cost: StoreCallCost = {
        call,
        commandsPerCall: total / rounds,
        commands: [...counts.values()].map((entry) => `${entry.name} ${entry.collection} ×${format(entry.count / rounds)} (median ${format(percentile(entry.durationsMs, 0.5))} ms)`).join(', '),
        medianMs: percentile(times, 0.5),
        p99Ms: percentile(times, 0.99),
      };
      calls.push(cost);
      console.log(`  ${call.padEnd(34)} ${format(cost.commandsPerCall)} commands, median ${format(cost.medianMs)} ms, p99 ${format(cost.p99Ms)} ms: ${cost.commands}`);
    };
    await replay('get (newest 100 messages)', (id) => store.get(TENANT, id, { recentMessages: 100 }));
    await replay('append (one turn)', (id, index) => store.append(TENANT, id, turnMessages(index + 2)));
    await replay('findLatestForSession', (_id, index) => store.findLatestForSession(TENANT, { ...SESSION, chatId: `chat-${index}` }, new Date(0)));
    await replay('create (StartConversation)', () => store.create({ tenantId: TENANT, title: 'cost', messages: turnMessages(0) }));
    await replay('setTitle (late title)', (id) => store.setTitle(TENANT, id, 'A later title'));
    const perTurn = calls.slice(0, 2).reduce((sum, call) => sum + call.commandsPerCall, 0);
    console.log(`  ContinueConversation by id: ${format(perTurn)} commands per turn (get + append); by session on a Redis miss: +${format(calls[2]!.commandsPerCall)}`);

    // The plans of the queries a turn makes.
    const database = client.db(databaseName);
    const sample = new ObjectId(conversationIds[0]!);
    const hex = sample.toHexString();
    const explain = async (label: string, command: Document): Promise<unknown> => {
      const plan = await database.command({ explain: command, verbosity: 'queryPlanner' }).catch((error: unknown) => ({ error: String(error) }));
      const planner = (plan as { queryPlanner?: Document }).queryPlanner ?? plan;
      const pushdown = 'filterPushdown' in plan ? ` filterPushdown=${String(plan.filterPushdown)} sortPushdown=${String(plan.sortPushdown)}` : '';
      console.log(`  plan ${label}: ${JSON.stringify(planner).slice(0, 260)}${pushdown}`);
      return plan;
    };
    const plans: Record<string, unknown> = {
      headerById: await explain('header by _id', { find: 'conversations', filter: { _id: sample }, limit: 1 }),
      turnsNewestFirst: await explain('turns newest first', { find: 'conversation_turns', filter: { _id: { $gt: `${hex}:`, $lt: `${hex};` } }, sort: { _id: -1 } }),
      // For comparison: the same turns by equality on the conversation id (what a store could ask instead).
      turnsByConversation: await explain('turns by conversation_id (comparison)', { find: 'conversation_turns', filter: { conversation_id: sample }, sort: { version: -1 } }),
      session: await explain('latest for session', {
        find: 'conversations',
        filter: { tenant_id: TENANT, platform: SESSION.platform, chat_id: 'chat-1', user_id: SESSION.userId, updated_at: { $gte: new Date(0) } },
        sort: { updated_at: -1, _id: -1 },
        limit: 1,
      }),
    };
    return { calls, plans };
  } finally {
    await client.db(databaseName).dropDatabase().catch(() => {});
    await client.close();
  }
}

function format(value: number): string {
  return Number.isFinite(value) ? value.toFixed(value < 10 ? 2 : 0) : 'n/a';
}
