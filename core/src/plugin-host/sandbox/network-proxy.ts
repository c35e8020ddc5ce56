import { once } from 'node:events';
import { chmod } from 'node:fs/promises';
import { connect, createServer, isIP, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createDestinationMatcher } from '../permissions/index.js';

/** Options of {@link startNetworkProxy}. */
export interface NetworkProxyOptions {
  /** The granted host patterns; every other destination is refused. */
  readonly allowedHosts: readonly string[];
  /** A private directory (0700) the socket is created in. */
  readonly directory: string;
  /** A refused or failed tunnel, for the plugin's log. */
  readonly onRefused?: (destination: string, reason: string) => void;
  /** How long a tunnel may take to connect upstream (default 10 s). */
  readonly connectTimeoutMs?: number;
}

/** A running proxy: one sandbox's only way out. */
export interface NetworkProxy {
  readonly socketPath: string;
  close(): Promise<void>;
}

/** The socket's file name in its directory. */
export const PROXY_SOCKET_NAME = 'proxy.sock';
const MAX_REQUEST_HEAD_BYTES = 8 * 1024;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * The host side of a sandbox's network: an HTTP CONNECT proxy on a unix socket (bound into the sandbox,
 * which has no network interface but loopback). It opens a TCP tunnel only to a granted host and port
 * and answers anything else with 403 (405 for a request that is not CONNECT). TLS passes through it
 * untouched: the proxy sees host names and ports, never the traffic.
 */
export async function startNetworkProxy(options: NetworkProxyOptions): Promise<NetworkProxy> {
  const isAllowed = createDestinationMatcher(options.allowedHosts);
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    readRequestHead(client, (head, rest) => {
      const request = parseConnectRequest(head);
      if (request === undefined) return refuse(client, '405 Method Not Allowed', 'only CONNECT host:port is supported');
      const destination = `${request.hostname}:${request.port}`;
      if (!isAllowed(request.hostname, request.port)) {
        options.onRefused?.(destination, 'not granted');
        return refuse(client, '403 Forbidden', `${destination} is not in the plugin's granted network hosts`);
      }
      const upstream = connect({ host: request.hostname.replace(/^\[(.*)\]$/, '$1'), port: request.port });
      sockets.add(upstream);
      upstream.once('close', () => sockets.delete(upstream));
      let isConnected = false;
      const timer = setTimeout(() => upstream.destroy(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
      upstream.once('connect', () => {
        isConnected = true;
        clearTimeout(timer);
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      upstream.on('error', (error) => {
        clearTimeout(timer);
        if (!isConnected) {
          options.onRefused?.(destination, error.message);
          refuse(client, '502 Bad Gateway', `cannot reach ${destination}`);
        } else client.destroy();
      });
      client.once('close', () => upstream.destroy());
    });
  });
  const socketPath = join(options.directory, PROXY_SOCKET_NAME);
  server.listen(socketPath);
  await once(server, 'listening');
  // Anyone inside the sandbox may connect (its user id need not be ours); the directory keeps others out.
  await chmod(socketPath, 0o666);
  server.unref();
  return {
    socketPath,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function refuse(client: Socket, status: string, reason: string): void {
  client.end(`HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${reason}\n`);
}

/** Collects the request head (up to the blank line); anything after it belongs to the tunnel. */
function readRequestHead(client: Socket, onHead: (head: string, rest: Buffer) => void): void {
  let buffered = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    buffered = Buffer.concat([buffered, chunk]);
    const end = buffered.indexOf('\r\n\r\n');
    if (end === -1) {
      if (buffered.length > MAX_REQUEST_HEAD_BYTES) {
        client.off('data', onData);
        refuse(client, '431 Request Header Fields Too Large', 'request head too large');
      }
      return;
    }
    client.off('data', onData);
    // Held until the tunnel pipes it (pipe resumes it); nothing the client sends meanwhile is lost.
    client.pause();
    onHead(buffered.subarray(0, end).toString('latin1'), buffered.subarray(end + 4));
  };
  client.on('data', onData);
}

/** `CONNECT host:port HTTP/1.1` → its destination; undefined for anything else. */
export function parseConnectRequest(head: string): { readonly hostname: string; readonly port: number } | undefined {
  const requestLine = head.split('\r\n', 1)[0] ?? '';
  const match = /^CONNECT (\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5}) HTTP\/1\.[01]$/.exec(requestLine);
  if (match === null) return undefined;
  const hostname = match[1]!;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return undefined;
  if (hostname.startsWith('[') && isIP(hostname.slice(1, -1)) !== 6) return undefined;
  return { hostname, port };
}
