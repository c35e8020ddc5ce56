import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolError } from '../tool-error.js';
import { createToolHttpClient } from './create-tool-http-client.js';

let server: Server;
let base: string;
const hanging = new Set<import('node:http').ServerResponse>();

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/json') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ temperature: 21 }));
    } else if (request.url === '/big') {
      response.writeHead(200).end('x'.repeat(5000));
    } else if (request.url === '/big-chunked') {
      response.writeHead(200);
      response.write('x'.repeat(3000));
      response.end('x'.repeat(3000));
    } else if (request.url === '/hang') {
      hanging.add(response);
    } else {
      response.writeHead(404).end('not json');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const response of hanging) response.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function failure(promise: Promise<unknown>): Promise<ToolError> {
  try {
    await promise;
  } catch (error) {
    if (ToolError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ToolError');
}

describe('createToolHttpClient', () => {
  const client = () => createToolHttpClient({ allowedHosts: ['127.0.0.1'], maxResponseBytes: 4096, defaultTimeoutMs: 2000 });

  it('fetches from a declared host and parses JSON', async () => {
    const response = await client().fetch(`${base}/json`);
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ temperature: 21 });
  });

  it('returns non-2xx responses and fails json() with UPSTREAM_FAILED', async () => {
    const response = await client().fetch(`${base}/missing`);
    expect(response.ok).toBe(false);
    expect(() => response.json()).toThrow(expect.objectContaining({ code: 'UPSTREAM_FAILED' }));
  });

  it('refuses hosts the plugin did not declare with FORBIDDEN', async () => {
    const error = await failure(createToolHttpClient({ allowedHosts: ['api.example.com'] }).fetch(`${base}/json`));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toContain('127.0.0.1');
  });

  it('maps a refused connection to UPSTREAM_UNAVAILABLE', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect((await failure(client().fetch(`http://127.0.0.1:${port}/`))).code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('maps a request timeout to TIMEOUT', async () => {
    expect((await failure(client().fetch(`${base}/hang`, { timeoutMs: 50 }))).code).toBe('TIMEOUT');
  });

  it('aborts when the call signal fires', async () => {
    const controller = new AbortController();
    const pending = createToolHttpClient({ allowedHosts: ['127.0.0.1'], signal: controller.signal }).fetch(`${base}/hang`);
    setTimeout(() => controller.abort(), 10);
    expect((await failure(pending)).code).toBe('TIMEOUT');
  });

  it('refuses bodies larger than the cap, declared or streamed', async () => {
    expect((await failure(client().fetch(`${base}/big`))).code).toBe('UPSTREAM_FAILED');
    expect((await failure(client().fetch(`${base}/big-chunked`))).code).toBe('UPSTREAM_FAILED');
  });
});
