// Child process for the crash-durability test: writes through the embedded store (on the event loop, or
// on its own thread with `thread`), reports the conversation id, then kills itself with SIGKILL (no
// close(), no exit handlers). With `thread` and `stay`, it just ends instead, the store still open: an
// idle store thread must not keep the process alive.
import { EmbeddedConversationStore, ThreadedConversationStore, type ConversationStore } from '../../core/src/storage/index.js';

const [dataDir, where = 'loop', ending = 'kill'] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: embedded-store-writer.ts <dataDir> [loop|thread] [kill|stay]');
const store: ConversationStore = where === 'thread' ? new ThreadedConversationStore({ dataDir, backgroundCheckpoints: true }) : new EmbeddedConversationStore({ dataDir });
await store.init();
const created = await store.create({ tenantId: 'crash', title: 'before the crash', messages: [{ role: 'user', content: 'one' }] });
for (let turn = 0; turn < 10; turn += 1) {
  await store.append('crash', created.id, [
    { role: 'user', content: `u${turn}` },
    { role: 'assistant', content: `a${turn}` },
  ]);
}
process.stdout.write(`${created.id}\n`, () => {
  if (ending === 'kill') process.kill(process.pid, 'SIGKILL');
});
