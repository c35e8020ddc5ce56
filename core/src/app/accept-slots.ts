import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

// The copier: a child of the host for a moment at start-up. It receives the listening socket once and sends
// it back `count` times; each copy arrives in the host as a descriptor of its own onto the same socket.
// Node queues each handle behind the previous one until the host acknowledges it, so the copies go out in
// order. It ends when the host disconnects, after the last copy arrived. Source text run with `node -e`
// (no file to find from src or dist); it runs no host code and gets an empty environment.
const COPIER_SOURCE = `
process.once('disconnect', () => process.exit(0));
process.once('message', (message, handle) => {
  const count = message && message.count;
  if (handle === undefined || !Number.isInteger(count) || count < 1 || count > 64) process.exit(1);
  for (let copy = 1; copy <= count; copy += 1) process.send({ copy }, handle, { keepOpen: true });
});
`;

/** Extra descriptors onto the host's listening socket; see {@link acceptSlots}. */
export interface AcceptSlots {
  /** Opens `count - 1` more descriptors after `server` listens (1 = the server's own alone); resolves with how many accept now. */
  open(count: number, backlog: number): Promise<number>;
}

/**
 * Node 20's libuv accepts one connection per event-loop iteration and descriptor (libuv #3696). Under
 * load an iteration takes milliseconds, so new connections wait in the kernel's queue for seconds while
 * the requests on open connections are served (bench:capacity, overload). Every extra descriptor onto
 * the same listening socket is polled on its own, so each iteration accepts up to `count` connections.
 * The copies come from a short-lived child (COPIER_SOURCE): Node 20 can only duplicate a socket
 * by passing it over IPC, and reusePort needs Node 22.12.
 *
 * Call before the app is ready (it adds a preClose hook, so the copies stop accepting when the server
 * does), then open() after it listens. If the child cannot run, the host keeps its one descriptor and
 * logs why.
 */
export function acceptSlots(app: FastifyInstance, logger: Logger): AcceptSlots {
  const copies: Server[] = [];
  app.addHook('preClose', (done) => {
    for (const copy of copies.splice(0)) copy.close();
    done();
  });
  return {
    async open(count, backlog) {
      if (count <= 1) return 1;
      try {
        const handles = await duplicateListener(app.server, count - 1);
        for (const handle of handles) copies.push(listenOnCopy(app.server, handle, backlog));
      } catch (error) {
        for (const copy of copies.splice(0)) copy.close();
        logger.warn({ err: error }, 'could not open more accept slots; accepting on one descriptor');
        return 1;
      }
      return copies.length + 1;
    },
  };
}

/** A net.Server on a copy of the listening socket whose connections go to the HTTP server, accepted as node:http accepts them. */
function listenOnCopy(http: HttpServer, handle: unknown, backlog: number): Server {
  const copy = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => http.emit('connection', socket));
  // Keep the server's backlog: listen() on the copy calls listen(2) on the shared socket again.
  copy.listen(handle as object, backlog);
  return copy;
}

async function duplicateListener(server: HttpServer, count: number): Promise<unknown[]> {
  const listening = (server as unknown as { _handle?: object | null })._handle;
  if (listening === undefined || listening === null) throw new Error('the server is not listening');
  const child = spawn(process.execPath, ['-e', COPIER_SOURCE], { env: {}, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const handles: unknown[] = [];
  const received = new Promise<void>((resolve, reject) => {
    child.on('message', (_message, handle) => {
      if (handle !== undefined) handles.push(handle);
      if (handles.length === count) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the descriptor copier exited with ${String(code)} after ${handles.length} of ${count} copies`)));
  });
  child.send({ count }, listening as never, { keepOpen: true });
  try {
    await received;
  } catch (error) {
    for (const handle of handles) (handle as { close(): void }).close();
    throw error;
  }
  const exited = once(child, 'exit');
  child.disconnect();
  await exited;
  return handles;
}
