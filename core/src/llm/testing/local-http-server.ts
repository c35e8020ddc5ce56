import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a {@link startLocalHttpServer} received, its body read whole. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The client's port: equal for two requests on one kept-alive connection. */
  readonly socketPort: number;
  /** Settles when the exchange is over (answered, or the connection went away). */
  readonly closed: Promise<void>;
}

/** A running local server (tests of the model transport). */
export interface LocalHttpServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly received: ReceivedRequest[];
  stop(): Promise<void>;
}

/** Starts a loopback HTTP server; `answer` is called for each request once its body was read. */
export async function startLocalHttpServer(answer: (request: ReceivedRequest, response: ServerResponse) => void): Promise<LocalHttpServer> {
  const received: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const closed = once(response, 'close').then(() => undefined);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry: ReceivedRequest = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        socketPort: request.socket.remotePort ?? 0,
        closed,
      };
      received.push(entry);
      answer(entry, response);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    stop() {
      server.closeAllConnections();
      stopped ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return stopped;
    },
  };
}
