// A host-like server whose event loop is busy, in its own process, for bench:accept: Fastify with one route,
// and every loop iteration burns BUSY_MS of CPU (as a host with many turns in flight does). Variants (argv):
//   slots <n>  — it listens itself and opens n descriptors with the host's own acceptSlots (1 = Node's default);
//   cluster    — a node:cluster worker (one descriptor) behind a round-robin primary that accepts every
//                connection and hands it to the worker over IPC.
// It tells its parent the port over IPC, then serves until killed.
import cluster from 'node:cluster';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [variant, slotText, busyText] = process.argv.slice(2);
const root = fileURLToPath(new URL('../../', import.meta.url));
const load = (path) => import(pathToFileURL(join(root, path)).href);

if (variant === 'cluster' && cluster.isPrimary) {
  cluster.schedulingPolicy = cluster.SCHED_RR;
  cluster.fork().on('message', (message) => process.send?.(message));
} else {
  const { default: Fastify } = await load('node_modules/fastify/fastify.js');
  const { pino } = await load('node_modules/pino/pino.js');
  const { acceptSlots } = await load('core/dist/app/accept-slots.js');
  const app = Fastify();
  app.get('/', async () => 'x');
  const slots = acceptSlots(app, pino({ level: 'warn' }));
  await app.listen({ port: 0, host: '127.0.0.1', backlog: 4096 });
  const opened = await slots.open(variant === 'cluster' ? 1 : Number(slotText), 4096);
  const busyMs = Number(busyText);
  const spin = () => {
    const end = performance.now() + busyMs;
    while (performance.now() < end);
    setImmediate(spin);
  };
  spin();
  process.send?.({ port: app.server.address().port, slots: opened });
}
