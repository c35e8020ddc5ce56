// The program of the embedded store's thread (threaded-conversation-store.ts): it opens the SQLite
// file with EmbeddedConversationStore and serves the host's calls in the order they were made. A batch
// of calls is dispatched in one go, so its writes share a commit (group-commit.ts flushes on
// setImmediate, after the batch), and the answers go back in one message at the end of the turn.
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { EmbeddedConversationStore } from './embedded-conversation-store.js';
import { THREAD_METHODS, toThreadError, type FromThread, type StoreThreadOptions, type ThreadAnswer, type ThreadCall, type ToThread } from './store-thread-protocol.js';
import { Batcher } from './turn-batcher.js';

if (!parentPort) throw new Error('store-thread.ts runs as a worker thread');
const port = parentPort;
const options = workerData as StoreThreadOptions;
const post = (message: FromThread): void => port.postMessage(message);
const methods: ReadonlySet<string> = new Set(THREAD_METHODS);

// Its log lines go to the host, which writes them through its own logger (redaction, destination).
const logger = pino({ level: options.logLevel, base: undefined, timestamp: false }, { write: (line: string) => post({ type: 'log', line }) });
// The host's clock at the moment of the call being dispatched: every store method reads "now" before
// its first await, so this is the time the host asked for the write.
let callTime = new Date();
const store = new EmbeddedConversationStore({
  dataDir: options.dataDir,
  ...(options.fileName === undefined ? {} : { fileName: options.fileName }),
  backgroundCheckpoints: options.backgroundCheckpoints,
  logger,
  now: () => callTime,
});

// A batch whose answers structured clone refuses is posted one answer at a time, each refused one as an
// error: a call must always be answered, or the host waits for ever.
const answers = new Batcher<ThreadAnswer>((batch) => {
  try {
    post({ type: 'answers', answers: batch });
  } catch {
    for (const answer of batch) {
      try {
        post({ type: 'answers', answers: [answer] });
      } catch (error) {
        post({ type: 'answers', answers: [{ id: answer.id, error: toThreadError('answer', error) }] });
      }
    }
  }
});

function dispatch({ id, method, args, at }: ThreadCall): void {
  if (!methods.has(method)) {
    answers.add({ id, error: toThreadError(String(method), new Error(`unknown store method ${String(method)}`)) });
    return;
  }
  callTime = new Date(at);
  const run = store[method] as (...values: unknown[]) => Promise<unknown>;
  let outcome: Promise<unknown>;
  try {
    outcome = run.apply(store, [...args]);
  } catch (error) {
    outcome = Promise.reject(error);
  }
  outcome.then(
    (value) => answers.add({ id, value }),
    (error: unknown) => answers.add({ id, error: toThreadError(method, error) }),
  );
}

async function close(): Promise<void> {
  try {
    await store.close();
  } finally {
    // The last writes' answers are settled by now (close commits them); one more turn lets their callbacks run.
    await new Promise((resolve) => setImmediate(resolve));
    answers.flush();
    // The port closing ends the thread; the host waits for its exit.
    port.close();
  }
}

function serve(message: ToThread): void {
  if (message.type === 'close') void close();
  else for (const call of message.calls) dispatch(call);
}

try {
  await store.init();
  port.on('message', serve);
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'failed', error: toThreadError('init', error) });
  port.close();
}
