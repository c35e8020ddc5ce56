import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AdmissionGate } from './admission-gate.js';
import { registerAdmission } from './register-admission.js';

let app: FastifyInstance | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await app?.close();
  app = undefined;
});

/**
 * A listening app with one chat-turn route held open until `release`, admission bound 1 with no queue (so
 * every further turn is refused on arrival), and a count of the requests Fastify saw.
 */
async function fullHost(): Promise<{
  port: number;
  gate: AdmissionGate;
  registry: Registry;
  seenByFastify: string[];
  counted: string[];
  release: () => void;
  warnings: unknown[];
}> {
  const registry = new Registry();
  const warnings: unknown[] = [];
  app = Fastify({ bodyLimit: 1024 });
  const seenByFastify: string[] = [];
  const counted: string[] = [];
  app.addHook('onRequest', async (request) => {
    seenByFastify.push(`${request.method} ${request.url}`);
  });
  const gate = (await registerAdmission(app, {
    settings: { maxInFlight: 1, maxQueued: 0, queueTimeoutMs: 0, targetLoopDelayMs: 0, minInFlight: 16 },
    registry,
    paths: ['/turn'],
    countRefusal: (path, method) => counted.push(`${method} ${path}`),
    isKnownCaller: (request) => request.headers['x-stranger'] === undefined,
  }))!;
  app.log.warn = ((fields: unknown) => warnings.push(fields)) as typeof app.log.warn;
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  app.post('/turn', async () => {
    await held;
    return { ok: true };
  });
  app.get('/other', async () => ({ read: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return { port, gate, registry, seenByFastify, counted, release, warnings };
}

/** Raw HTTP/1.1 over one socket: what was written comes back as text, so hostile framing can be sent as is. */
function rawClient(port: number): { send(text: string | Buffer): void; read(until: (text: string) => boolean): Promise<string>; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let received = '';
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
    for (const wake of waiters.splice(0)) wake();
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    send: (text) => socket.write(text),
    async read(until) {
      while (!until(received)) {
        await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), closed]);
        if (socket.destroyed && !until(received)) return received;
      }
      const text = received;
      received = '';
      return text;
    },
    closed,
  };
}

/** The number of complete HTTP responses in `text` whose bodies are JSON objects. */
const responses = (text: string): number => (text.match(/HTTP\/1\.1 \d{3}/g) ?? []).length;

function post(path: string, body: string, headers: Record<string, string> = {}): string {
  const lines = [`POST ${path} HTTP/1.1`, 'host: test', `content-length: ${Buffer.byteLength(body)}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

async function occupy(host: { port: number; gate: AdmissionGate }): Promise<void> {
  rawClient(host.port).send(post('/turn', '{}', { 'content-type': 'application/json' }));
  await vi.waitFor(() => expect(host.gate.inFlight).toBe(1));
}

describe('refusals in front of Fastify', () => {
  it('answers a turn the gate refuses on arrival with the Twirp unavailable error and Retry-After, before Fastify sees it', async () => {
    const host = await fullHost();
    await occupy(host);
    const client = rawClient(host.port);
    client.send(post('/turn?attempt=2', '{"message":"hi"}', { 'content-type': 'application/json' }));
    const answer = await client.read((text) => text.includes('}'));
    const [head, body] = answer.split('\r\n\r\n') as [string, string];
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(head).toMatch(/\r\ncontent-type: application\/json/i);
    expect(head).not.toMatch(/connection: close/i);
    expect(JSON.parse(body)).toEqual({ code: 'unavailable', msg: 'the host is at capacity (queue full); retry in 1 s', meta: { retry_after_seconds: '1' } });
    expect(host.seenByFastify).toEqual(['POST /turn']);
    expect(host.counted).toEqual(['POST /turn']);
    expect(await host.registry.metrics()).toContain('acai_admission_refusals_total{reason="queue_full"} 1');
    host.release();
  });

  it('refuses a protobuf client with the same JSON error (Twirp errors are always JSON) and keeps its connection for the next request', async () => {
    const host = await fullHost();
    await occupy(host);
    const client = rawClient(host.port);
    const protobufBody = Buffer.from([0x0a, 0x02, 0x68, 0x69]);
    client.send(Buffer.concat([Buffer.from(post('/turn', 'xxxx', { 'content-type': 'application/protobuf' }).slice(0, -4)), protobufBody]));
    const first = await client.read((text) => text.includes('"unavailable"'));
    expect(first).toMatch(/^HTTP\/1\.1 503 /);
    // Same connection: a request that is not a chat turn goes to Fastify.
    client.send('GET /other HTTP/1.1\r\nhost: test\r\n\r\n');
    expect(await client.read((text) => text.includes('"read"'))).toMatch(/^HTTP\/1\.1 200 /);
    host.release();
  });

  it('logs refusals in aggregate: one line for a burst, with the count', async () => {
    const host = await fullHost();
    await occupy(host);
    const client = rawClient(host.port);
    client.send(post('/turn', '{}').repeat(20));
    await client.read((text) => responses(text) === 20);
    expect(host.warnings).toHaveLength(1);
    expect(host.warnings[0]).toMatchObject({ reason: 'queue_full', refused: 1, inFlight: 1, limit: 1 });
    expect(await host.registry.metrics()).toContain('acai_admission_refusals_total{reason="queue_full"} 20');
    host.release();
  });

  it('closes the connection after refusing a request whose body is chunked or larger than the body limit, without reading it', async () => {
    const host = await fullHost();
    await occupy(host);
    const chunked = rawClient(host.port);
    chunked.send('POST /turn HTTP/1.1\r\nhost: test\r\ntransfer-encoding: chunked\r\n\r\n400\r\n' + 'x'.repeat(100));
    expect(await chunked.read((text) => text.includes('}'))).toMatch(/^HTTP\/1\.1 503 [^]*connection: close/i);
    await chunked.closed;
    const oversized = rawClient(host.port);
    oversized.send('POST /turn HTTP/1.1\r\nhost: test\r\ncontent-length: 1000000000\r\n\r\nxxxx');
    expect(await oversized.read((text) => text.includes('}'))).toMatch(/^HTTP\/1\.1 503 [^]*connection: close/i);
    await oversized.closed;
    expect(host.seenByFastify).toEqual(['POST /turn']);
    host.release();
  });

  it('leaves what is not a chat-turn path to Fastify: other paths and look-alike paths', async () => {
    const host = await fullHost();
    await occupy(host);
    const client = rawClient(host.port);
    client.send('GET /other HTTP/1.1\r\nhost: test\r\n\r\n');
    expect(await client.read((text) => text.includes('}'))).toMatch(/^HTTP\/1\.1 200 /);
    for (const path of ['/turn/', '/TURN', '//turn', '/turn%20', '/other']) {
      client.send(post(path, '{}', { 'content-type': 'application/json' }));
      expect(await client.read((text) => text.includes('}'))).toMatch(/^HTTP\/1\.1 404 /);
    }
    expect(host.seenByFastify).toHaveLength(7);
    host.release();
  });

  it('leaves a caller it does not know to Fastify (authentication answers it there, before admission)', async () => {
    const host = await fullHost();
    await occupy(host);
    const client = rawClient(host.port);
    client.send(post('/turn', '{}', { 'content-type': 'application/json', 'x-stranger': 'yes' }));
    // No auth plugin in this app: the plugin's own admission hook refuses it, after Fastify's hooks ran.
    expect(await client.read((text) => text.includes('}'))).toMatch(/^HTTP\/1\.1 503 /);
    expect(host.seenByFastify).toEqual(['POST /turn', 'POST /turn']);
    expect(host.counted).toEqual([]);
    host.release();
  });

  it('lets malformed requests get node:http’s own answer', async () => {
    const host = await fullHost();
    const client = rawClient(host.port);
    client.send('POST /turn HTTP/1.1\r\nhost: test\r\ncontent-length: nope\r\n\r\n');
    expect(await client.read((text) => text.includes('\r\n\r\n'))).toMatch(/^HTTP\/1\.1 400 /);
    expect(host.gate.inFlight).toBe(0);
  });

  it('serves turns normally while there is room', async () => {
    const host = await fullHost();
    host.release();
    const client = rawClient(host.port);
    client.send(post('/turn', '{}', { 'content-type': 'application/json' }));
    expect(await client.read((text) => text.includes('}'))).toMatch(/^HTTP\/1\.1 200 [^]*\{"ok":true\}/);
    await vi.waitFor(() => expect(host.gate.inFlight).toBe(0));
  });
});
