import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// A local stand-in for an iCal holiday feed such as https://www.officeholidays.com/ics/spain/catalonia (the old
// service's default HOLIDAY_CALENDAR_LINK): `text/calendar`, CRLF lines, folded lines, events out of order, one event
// without SUMMARY and two with unusable DTSTART. Records requests and can fail, hang, slow down or send a huge body.

const CATALONIA = readFileSync(new URL('./__fixtures__/catalonia.ics', import.meta.url), 'utf8');

/** A request the fake received. */
export interface RecordedIcalRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** How the fake misbehaves. */
export type FakeFailure =
  | { readonly type: 'status'; readonly status: number; readonly body?: string; readonly contentType?: string }
  | { readonly type: 'reset' }
  | { readonly type: 'hang' }
  | { readonly type: 'delay'; readonly delayMs: number };

/** A running fake. */
export interface FakeIcalServer {
  /** URL of the Catalonia feed (`http://127.0.0.1:<port>/ics/spain/catalonia`). */
  readonly calendarUrl: string;
  /** URL of a feed of `hugeBytes` bytes (default 3 MiB), for size-cap tests. */
  readonly hugeCalendarUrl: string;
  readonly requests: RecordedIcalRequest[];
  /** Replaces the Catalonia feed's body. */
  setCalendar(text: string): void;
  failNext(failure: FakeFailure, times?: number): void;
  failAlways(failure: FakeFailure): void;
  recover(): void;
  close(): Promise<void>;
}

/** Starts the fake on 127.0.0.1 and a free port. */
export async function startFakeIcalServer(options: { hugeBytes?: number } = {}): Promise<FakeIcalServer> {
  const hugeBytes = options.hugeBytes ?? 3 * 1024 * 1024;
  const requests: RecordedIcalRequest[] = [];
  const queued: FakeFailure[] = [];
  let persistent: FakeFailure | undefined;
  let calendar = CATALONIA;
  const sockets = new Set<Socket>();

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake.invalid');
    requests.push({ method: request.method ?? 'GET', path: url.pathname, headers: request.headers });
    void handle(request, response, url, queued.shift() ?? persistent);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(request: IncomingMessage, response: ServerResponse, url: URL, failure: FakeFailure | undefined): Promise<void> {
    if (failure?.type === 'reset') {
      request.socket.destroy();
      return;
    }
    if (failure?.type === 'hang') return;
    if (failure?.type === 'delay') await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
    if (failure?.type === 'status') {
      send(response, failure.status, failure.body ?? '', failure.contentType ?? 'text/html; charset=utf-8');
      return;
    }
    if (url.pathname === '/ics/spain/catalonia') {
      send(response, 200, calendar, 'text/calendar; charset=utf-8');
    } else if (url.pathname === '/ics/huge') {
      // Streamed without Content-Length, so only a reader that counts bytes can stop it.
      response.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8' });
      const chunk = `BEGIN:VCALENDAR\r\n${'X-PADDING:'.padEnd(1022, 'x')}\r\n`;
      let sent = 0;
      const writeMore = (): void => {
        while (sent < hugeBytes) {
          sent += chunk.length;
          if (!response.write(chunk)) {
            response.once('drain', writeMore);
            return;
          }
        }
        response.end('END:VCALENDAR\r\n');
      };
      response.on('error', () => {});
      writeMore();
    } else {
      send(response, 404, '<html><body>Not Found</body></html>', 'text/html; charset=utf-8');
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    calendarUrl: `http://127.0.0.1:${port}/ics/spain/catalonia`,
    hugeCalendarUrl: `http://127.0.0.1:${port}/ics/huge`,
    requests,
    setCalendar(text) {
      calendar = text;
    },
    failNext(failure, times = 1) {
      for (let index = 0; index < times; index += 1) queued.push(failure);
    },
    failAlways(failure) {
      persistent = failure;
    },
    recover() {
      queued.length = 0;
      persistent = undefined;
      calendar = CATALONIA;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(response: ServerResponse, status: number, body: string, contentType: string): void {
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
