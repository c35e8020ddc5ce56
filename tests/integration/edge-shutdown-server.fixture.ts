// Child process for edge-shutdown.test.ts: a tiny host with one slow route and installShutdown.
// argv: <mode: finishes | stuck> <deadline ms>. Emits JSON lines on stdout (the logger's and its own events).
import Fastify from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { installShutdown, type ShutdownHandle } from '../../core/src/health/index.js';
import { createLogger, createMetrics, installUnhandledRejectionHandler } from '../../core/src/observability/index.js';

const mode = process.argv[2] ?? 'finishes';
const deadlineMs = Number(process.argv[3] ?? '5000');
const emit = (event: string, fields: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);

const logger = createLogger({ level: 'info', logContent: false });
const app = Fastify({ loggerInstance: logger, disableRequestLogging: true });
let handle: ShutdownHandle | undefined;
const metrics = createMetrics({ defaultMetrics: false });
installUnhandledRejectionHandler(logger, metrics);

// A forgotten rejection must be logged and counted, not crash the host.
void Promise.reject(new Error('forgotten promise'));
await sleep(20);
emit('unhandled-rejections', { count: (await metrics.unhandledRejections.get()).values[0]?.value ?? 0 });

app.get('/slow', async () => {
  emit('slow-started');
  while (!handle?.isShuttingDown() || app.server.listening) await sleep(5);
  emit('listener-closed');
  if (mode === 'stuck') await new Promise(() => {});
  await sleep(150);
  return { finished: true };
});

await app.listen({ port: 0, host: '127.0.0.1' });
handle = installShutdown({
  app,
  deadlineMs,
  logger,
  onShutdown: [
    { name: 'plugins', dispose: () => emit('disposed', { name: 'plugins' }) },
    { name: 'store', dispose: async () => emit('disposed', { name: 'store' }) },
    { name: 'telemetry', dispose: () => emit('disposed', { name: 'telemetry' }) },
  ],
});
const address = app.server.address();
emit('listening', { port: typeof address === 'object' && address ? address.port : 0 });
