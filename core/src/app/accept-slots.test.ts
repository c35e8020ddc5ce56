import { connect } from 'node:net';
import { once } from 'node:events';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { acceptSlots } from './accept-slots.js';

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

/**
 * A Fastify app with one route (and one that waits for `held`, counting the requests that reached it in
 * `arrivals.held`), listening on a free loopback port with `count` accept slots.
 */
async function listening(count: number, held: Promise<void> = Promise.resolve()) {
  const { logger, lines } = capturingLogger();
  const server = Fastify();
  const arrivals = { held: 0 };
  server.get('/hello', async () => ({ hello: 'world' }));
  server.get('/held', async () => {
    arrivals.held += 1;
    await held;
    return { done: true };
  });
  const slots = acceptSlots(server, logger);
  await server.listen({ port: 0, host: '127.0.0.1', backlog: 128 });
  const accepting = await slots.open(count, 128);
  app = server;
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, port, accepting, lines, arrivals };
}

/** This process's descriptors onto the TCP socket listening on `port` (its inode, as /proc names it). */
function listeningDescriptors(port: number): number {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const table = readFileSync('/proc/net/tcp', 'utf8').split('\n');
  // Columns: sl, local address, remote address, state (0A = LISTEN), …, inode (the tenth).
  const row = table.map((line) => line.trim().split(/\s+/)).find((fields) => fields[1]?.endsWith(hexPort) && fields[3] === '0A');
  const inode = row?.[9];
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === `socket:[${String(inode)}]`;
    } catch {
      return false;
    }
  }).length;
}

/** Sends `raw` on a new connection and resolves with everything the server wrote before it closed. */
async function exchange(port: number, raw: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.end(raw);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'close');
  return Buffer.concat(chunks).toString('utf8');
}

describe('acceptSlots', () => {
  it('opens descriptors of its own onto the one listening socket, and every new connection is served', async () => {
    const { port, accepting } = await listening(8);
    expect(accepting).toBe(8);
    expect(listeningDescriptors(port)).toBe(8);
    const answers = await Promise.all(Array.from({ length: 200 }, () => fetch(`http://127.0.0.1:${port}/hello`, { headers: { connection: 'close' } })));
    for (const answer of answers) expect(await answer.json()).toEqual({ hello: 'world' });
  });

  it('keeps one descriptor and starts no copier for a count of 1', async () => {
    const { port, accepting } = await listening(1);
    expect(accepting).toBe(1);
    expect(listeningDescriptors(port)).toBe(1);
  });

  it('answers malformed, oversized and half-closed requests on every connection as node:http does', async () => {
    const { port } = await listening(8);
    const garbage = await Promise.all(Array.from({ length: 40 }, () => exchange(port, 'NOT HTTP AT ALL\r\n\r\n')));
    for (const answer of garbage) expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    const hugeHeader = await Promise.all(Array.from({ length: 20 }, () => exchange(port, `GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)));
    for (const answer of hugeHeader) expect(answer).toMatch(/^HTTP\/1\.1 431/);
    // A client that sends its request and half-closes still gets the answer (allowHalfOpen, as node:http).
    const halfClosed = await Promise.all(Array.from({ length: 40 }, () => exchange(port, 'GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')));
    for (const answer of halfClosed) expect(answer).toContain('{"hello":"world"}');
  });

  it('stops accepting on every descriptor when the server closes', async () => {
    const { server, port } = await listening(8);
    await server.close();
    app = undefined;
    expect(listeningDescriptors(port)).toBe(0);
    const refused = await fetch(`http://127.0.0.1:${port}/hello`).then(
      () => 'answered',
      (error: unknown) => String((error as { cause?: { code?: string } }).cause?.code),
    );
    expect(refused).toBe('ECONNREFUSED');
  });

  it('counts connections accepted on a copy as the HTTP server\'s own, so close() waits for the requests in flight on them', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { server, port, arrivals } = await listening(8, held);
    const requests = Array.from({ length: 40 }, () => fetch(`http://127.0.0.1:${port}/held`, { headers: { connection: 'close' } }));
    const connections = () => new Promise<number>((resolve, reject) => server.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
    await vi.waitFor(async () => expect(await connections()).toBe(40), { timeout: 30_000, interval: 20 });
    // Every request is inside its handler before close() starts: one still being read when it starts
    // would get Fastify's 503 for a closing server, which is not what this test is about.
    await vi.waitFor(() => expect(arrivals.held).toBe(40), { timeout: 30_000, interval: 20 });

    let closed = false;
    const closing = server.close().then(() => (closed = true));
    app = undefined;
    await vi.waitFor(() => expect(listeningDescriptors(port)).toBe(0), { timeout: 30_000, interval: 20 });
    expect(closed).toBe(false);
    release();
    for (const response of await Promise.all(requests)) expect(await response.json()).toEqual({ done: true });
    await closing;
    expect(closed).toBe(true);
  });

  it('keeps the one descriptor and says why when the server is not listening', async () => {
    const { logger, lines } = capturingLogger();
    const server = Fastify();
    const slots = acceptSlots(server, logger);
    expect(await slots.open(8, 128)).toBe(1);
    expect(lines).toEqual([expect.objectContaining({ msg: 'could not open more accept slots; accepting on one descriptor' })]);
    await server.close();
  });
});
