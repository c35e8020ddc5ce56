import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Server as HttpServer } from 'node:http';
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
 * Call before the app is ready (it adds a preClose hook: the copies stop listening as soon as the server
 * starts closing), then open() after it listens. If the child cannot run, or this Node.js keeps no owner on
 * the listening handle, the host keeps its one descriptor and logs why.
 */
export function acceptSlots(app: FastifyInstance, logger: Logger): AcceptSlots {
  const copies: ListeningHandle[] = [];
  const closeCopies = (): void => {
    for (const copy of copies.splice(0)) copy.close();
  };
  app.addHook('preClose', (done) => {
    closeCopies();
    done();
  });
  return {
    async open(count, backlog) {
      if (count <= 1) return 1;
      try {
        const handles = await duplicateListener(app.server, count - 1);
        copies.push(...handles);
        for (const handle of handles) acceptAsServer(app.server, handle, backlog);
      } catch (error) {
        closeCopies();
        logger.warn({ err: error }, 'could not open more accept slots; accepting on one descriptor');
        return 1;
      }
      return copies.length + 1;
    },
  };
}

/** A libuv stream handle as node:net holds it (TCP wrap). */
interface ListeningHandle {
  onconnection?: unknown;
  listen(backlog: number): number;
  close(): void;
  [owner: symbol]: unknown;
}

/**
 * Makes a copy accept exactly as the server's own descriptor does: node:net's connection callback, with the
 * server as the handle's owner. So every connection is the server's own — counted by it (close() waits for
 * it to drain), with its options (allowHalfOpen, noDelay, keep-alive) and its 'connection' listeners. A plain
 * net.Server on the copy would count the connections as its own, and the HTTP server's close() would not
 * wait for them.
 */
function acceptAsServer(server: HttpServer, copy: ListeningHandle, backlog: number): void {
  const own = listeningHandle(server);
  const owner = Object.getOwnPropertySymbols(own).find((symbol) => own[symbol] === server);
  if (owner === undefined || typeof own.onconnection !== 'function') throw new Error('this Node.js keeps no owner on the listening handle');
  copy[owner] = server;
  copy.onconnection = own.onconnection;
  // listen(2) again on the shared socket: pass the server's backlog, or it would be reset to the default.
  const status = copy.listen(backlog);
  if (status !== 0) throw new Error(`listen on a copy failed (${status})`);
}

function listeningHandle(server: HttpServer): ListeningHandle {
  const handle = (server as unknown as { _handle?: ListeningHandle | null })._handle;
  if (handle === undefined || handle === null) throw new Error('the server is not listening');
  return handle;
}

async function duplicateListener(server: HttpServer, count: number): Promise<ListeningHandle[]> {
  const listening = listeningHandle(server);
  const child = spawn(process.execPath, ['-e', COPIER_SOURCE], { env: {}, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const handles: ListeningHandle[] = [];
  const received = new Promise<void>((resolve, reject) => {
    child.on('message', (_message, handle) => {
      if (handle !== undefined) handles.push(handle as unknown as ListeningHandle);
      if (handles.length === count) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the descriptor copier exited with ${String(code)} after ${handles.length} of ${count} copies`)));
  });
  child.send({ count }, listening as never, { keepOpen: true });
  try {
    await received;
  } catch (error) {
    for (const handle of handles) handle.close();
    throw error;
  }
  const exited = once(child, 'exit');
  child.disconnect();
  await exited;
  return handles;
}
