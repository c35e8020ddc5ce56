// The conversations bench:capacity's turns continue. Every turn continues a different conversation
// (round-robin), and there are enough of them that each gets only a few turns in the whole run, so the
// history a turn loads and sends stays about the same from the first turn to the last: figures from the
// start and the end of a run (and from two runs) measure the same work. Each one starts with a copy of
// a real two-turn conversation made through the host (with its tool-call records), written straight
// into the store through a second handle (the embedded file is shared safely in WAL mode).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import type { ConversationStore, NewMessage, StoredMessage } from '../../core/src/storage/index.js';

/** Where the host keeps conversations, and the checkout whose built store code wrote them. */
export interface StoreLocation {
  readonly mongodbUrl?: string | undefined;
  readonly mongoDatabase?: string | undefined;
  readonly dataDir: string;
  /** The host's checkout: its own store code opens the file (another revision may lay it out differently). */
  readonly hostRoot: string;
}

/** Opens a second handle on the host's store, with the host's own (built) store code. */
export async function openStore(location: StoreLocation): Promise<ConversationStore> {
  const storage = (await import(pathToFileURL(join(location.hostRoot, 'core/dist/storage/index.js')).href)) as typeof import('../../core/dist/storage/index.js');
  return storage.createConversationStore({
    ...(location.mongodbUrl ? { mongodbUrl: location.mongodbUrl } : {}),
    ...(location.mongoDatabase ? { mongoDatabase: location.mongoDatabase } : {}),
    dataDir: location.dataDir,
    logger: pino({ level: 'silent' }),
  });
}

/** Copies conversation `templateId`'s messages into `count` new conversations of `tenantId`; returns their ids. */
export async function seedConversations(location: StoreLocation, tenantId: string, templateId: string, count: number): Promise<string[]> {
  const store = await openStore(location);
  try {
    const template = await store.get(tenantId, templateId);
    if (!template) throw new Error(`template conversation ${templateId} not found`);
    assertToolsRan(template.messages);
    const messages: NewMessage[] = template.messages.map(({ id: _id, createdAt: _createdAt, ...message }) => message);
    const ids: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const created = await store.create({ tenantId, title: `Seeded conversation ${index}`, messages });
      ids.push(created.id);
    }
    return ids;
  } finally {
    await store.close();
  }
}

/**
 * Refuses a run whose host did not run the turn's tool: its turns would skip the tool call and measure less
 * work than the benchmark claims. (Session 7 measured such a host 20–36 % "faster": a copy whose node_modules
 * was a symlink into another checkout, so its first-party plugins were third-party there and were refused
 * on a machine without bubblewrap.)
 */
function assertToolsRan(messages: readonly StoredMessage[]): void {
  const calls = messages.flatMap((message) => message.toolCalls ?? []);
  if (calls.length === 0) throw new Error('the template conversation holds no tool call: the scripted model did not ask for one');
  const failed = calls.find((call) => call.outcome !== 'ok');
  if (failed) {
    throw new Error(
      `the host under test did not run ${failed.name} (${failed.outcome}: ${failed.result.slice(0, 200)}); its turns would skip the tool call. ` +
        'Check that its plugins loaded (its log, or BENCH_HOST_LOG): a checkout whose node_modules is a symlink into another one treats the ' +
        'first-party plugins as third-party (sandboxed, and refused where bubblewrap is missing)',
    );
  }
}
