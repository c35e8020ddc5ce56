import { connect } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatService, twirpPlugin, twirpServerOptions, type ChatServiceImplementation } from './index.js';

const implementation: ChatServiceImplementation = {
  startConversation: async () => ({ reply: 'ok' }),
  continueConversation: async () => ({}),
  listConversations: async () => ({}),
  describeConversation: async () => ({}),
  renameConversation: async () => ({}),
  deleteConversation: async () => ({}),
  exportConversation: async () => ({}),
  regenerateReply: async () => ({}),
};

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function listen(): Promise<number> {
  const app = Fastify({ ...twirpServerOptions() });
  apps.push(app);
  await app.register(twirpPlugin, { service: ChatService, implementation });
  app.get('/health', async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Sends raw bytes and returns the status code and body of the raw HTTP answer. */
async function rawRequest(port: number, request: string): Promise<{ status: number; body: string }> {
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  return { status: Number(head.split(' ')[1]), body };
}

describe('twirpServerOptions', () => {
  it('answers an undecodable URL under the prefix with bad_route', async () => {
    const port = await listen();
    const answer = await rawRequest(
      port,
      'POST /twirp/acai.chat.ChatService/%zz HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}',
    );
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toEqual({
      code: 'bad_route',
      msg: 'no handler for path "/twirp/acai.chat.ChatService/%zz"',
      meta: { twirp_invalid_route: 'POST /twirp/acai.chat.ChatService/%zz' },
    });
  });

  it("keeps Fastify's answer for undecodable URLs outside the prefix", async () => {
    const port = await listen();
    const answer = await rawRequest(port, 'GET /health/%zz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'FST_ERR_BAD_URL' });
  });

  it.each([
    ['a non-numeric Content-Length', 'content-length: abc\r\n\r\n{}'],
    ['a body shorter than its Content-Length', 'content-length: 10\r\n\r\n{}'],
    ['conflicting Content-Length headers', 'content-length: 2\r\ncontent-length: 3\r\n\r\n{}'],
  ])('answers %s with a Twirp malformed 400', async (_case, tail) => {
    const port = await listen();
    const answer = await rawRequest(
      port,
      `POST /twirp/acai.chat.ChatService/StartConversation HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n${tail}`,
    );
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ code: 'malformed', msg: 'the HTTP request could not be parsed' });
  });

  it('answers oversized headers with a Twirp malformed 400', async () => {
    const port = await listen();
    const answer = await rawRequest(
      port,
      `POST /twirp/acai.chat.ChatService/StartConversation HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'malformed' });
  });
});
