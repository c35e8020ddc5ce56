import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConnectRequest, startNetworkProxy, type NetworkProxy } from './network-proxy.js';

/** Sends `request` on the proxy's socket and collects what comes back until the proxy or upstream closes. */
async function exchange(socketPath: string, request: string | Buffer, afterConnect?: string): Promise<string> {
  const client = connect(socketPath);
  await once(client, 'connect');
  let received = '';
  client.setEncoding('utf8');
  client.on('data', (chunk: string) => {
    received += chunk;
    if (afterConnect !== undefined && received.startsWith('HTTP/1.1 200') && received.includes('\r\n\r\n') && !received.includes('echo:')) client.write(afterConnect);
    if (received.includes('echo:')) client.end();
  });
  client.write(request);
  await once(client, 'close');
  return received;
}

describe('startNetworkProxy', () => {
  let echo: Server;
  let echoPort: number;
  let directory: string;
  let proxy: NetworkProxy;
  const refused: string[] = [];

  beforeAll(async () => {
    echo = createServer((socket) => socket.once('data', (chunk) => socket.end(`echo:${chunk.toString()}`)));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    echoPort = (echo.address() as AddressInfo).port;
    directory = await mkdtemp(join(tmpdir(), 'acai-proxy-test-'));
    proxy = await startNetworkProxy({ allowedHosts: [`127.0.0.1:${echoPort}`, 'localhost:1'], directory, onRefused: (destination) => refused.push(destination) });
  });

  afterAll(async () => {
    await proxy.close();
    echo.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('tunnels to a granted destination, bytes sent with the request head included', async () => {
    const answer = await exchange(proxy.socketPath, `CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\nHost: 127.0.0.1:${echoPort}\r\n\r\nhello`);
    expect(answer).toBe('HTTP/1.1 200 Connection Established\r\n\r\necho:hello');
  });

  it('refuses a destination outside the grant with 403, and reports it', async () => {
    const answer = await exchange(proxy.socketPath, `CONNECT 127.0.0.1:${echoPort + 1} HTTP/1.1\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(refused).toContain(`127.0.0.1:${echoPort + 1}`);
  });

  it('answers 502 when a granted destination cannot be reached', async () => {
    expect(await exchange(proxy.socketPath, 'CONNECT localhost:1 HTTP/1.1\r\n\r\n')).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
  });

  it('refuses anything that is not CONNECT, and a request head that never ends', async () => {
    expect(await exchange(proxy.socketPath, `GET http://127.0.0.1:${echoPort}/ HTTP/1.1\r\n\r\n`)).toMatch(/^HTTP\/1\.1 405 /);
    expect(await exchange(proxy.socketPath, `CONNECT 127.0.0.1:${echoPort} HTTP/1.1\r\nX-Filler: ${'a'.repeat(9_000)}`)).toMatch(/^HTTP\/1\.1 431 /);
  });
});

describe('parseConnectRequest', () => {
  it('reads host and port, IPv6 in brackets, and nothing else', () => {
    expect(parseConnectRequest('CONNECT api.example.com:443 HTTP/1.1\r\nHost: x')).toEqual({ hostname: 'api.example.com', port: 443 });
    expect(parseConnectRequest('CONNECT [::1]:8080 HTTP/1.0')).toEqual({ hostname: '[::1]', port: 8080 });
    for (const line of ['CONNECT api.example.com HTTP/1.1', 'CONNECT api.example.com:0 HTTP/1.1', 'CONNECT api.example.com:70000 HTTP/1.1', 'CONNECT a b:1 HTTP/1.1', 'CONNECT [zz]:1 HTTP/1.1', 'GET / HTTP/1.1', 'CONNECT user@host:1 HTTP/1.1']) {
      expect(parseConnectRequest(line), line).toBeUndefined();
    }
  });
});
