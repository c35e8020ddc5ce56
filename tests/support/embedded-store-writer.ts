// Child process for the crash-durability test: writes through the embedded store, reports the
// conversation id, then kills itself with SIGKILL (no close(), no exit handlers).
import { EmbeddedConversationStore } from '../../core/src/storage/index.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: embedded-store-writer.ts <dataDir>');
const store = new EmbeddedConversationStore({ dataDir });
await store.init();
const created = await store.create({ tenantId: 'crash', title: 'before the crash', messages: [{ role: 'user', content: 'one' }] });
for (let turn = 0; turn < 10; turn += 1) {
  await store.append('crash', created.id, [
    { role: 'user', content: `u${turn}` },
    { role: 'assistant', content: `a${turn}` },
  ]);
}
process.stdout.write(`${created.id}\n`, () => process.kill(process.pid, 'SIGKILL'));
