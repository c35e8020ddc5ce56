// Runs INSIDE a sandbox whose program was granted network hosts, as the sandbox's first process, and starts
// that program as its child, in a second bubblewrap nested in this one (stdin, stdout and stderr passed
// straight through): the program gets no capabilities, no user namespaces and the seccomp filter, this
// process keeps what it needs to make that inner sandbox. The sandbox has no network but loopback; this
// bridges loopback to the host's filtering CONNECT proxy (a unix socket bound in):
//
// - for each granted host name, /etc/hosts (written by the host) points the name at a loopback address of
//   its own, and a listener there tunnels every connection through the proxy to that host. Clients need
//   no proxy support: Node's fetch, Python's urllib, httpx or requests, curl all just connect.
// - a plain CONNECT proxy on 127.0.0.1, named in HTTPS_PROXY, for clients that honour it (and for
//   wildcard grants, which no hosts file can list).
//
// Imports only Node's built-ins: the sandbox holds this file, the host's package.json and nothing else of the host.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** What the host passes in argv[2] (JSON). */
export interface ForwarderConfig {
  /** The proxy's unix socket inside the sandbox. */
  readonly socket: string;
  /** Loopback listeners, each tunnelling to one granted destination. */
  readonly listeners: readonly { readonly address: string; readonly port: number; readonly destination: string }[];
  /**
   * The program starts in an inner bubblewrap (no capabilities, no user namespaces, the seccomp filter):
   * its path, its arguments, and which of this process's descriptors holds the filter (passed on as 3).
   */
  readonly inner: { readonly bubblewrap: string; readonly args: readonly string[]; readonly seccompDescriptor: number };
}

const config = JSON.parse(process.argv[2] ?? '{}') as ForwarderConfig;
const [command, ...args] = process.argv.slice(3);

function report(message: string): void {
  process.stderr.write(`acai sandbox: ${message}\n`);
}

/** Opens a tunnel to `destination` through the proxy; calls back with the socket once the proxy said 200. */
function openTunnel(destination: string, onOpen: (tunnel: Socket, early: Buffer) => void, onFail: (reason: string) => void): void {
  const tunnel = connect(config.socket);
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) return;
    tunnel.off('data', onData);
    tunnel.pause();
    const status = head.subarray(0, end).toString('latin1').split('\r\n', 1)[0] ?? '';
    if (!/^HTTP\/1\.[01] 200 /.test(status)) {
      tunnel.destroy();
      onFail(status);
      return;
    }
    onOpen(tunnel, head.subarray(end + 4));
  };
  tunnel.on('data', onData);
  tunnel.on('error', (error) => onFail(error.message));
  tunnel.write(`CONNECT ${destination} HTTP/1.1\r\nHost: ${destination}\r\n\r\n`);
}

function join(client: Socket, tunnel: Socket, early: Buffer): void {
  if (early.length > 0) client.write(early);
  client.pipe(tunnel);
  tunnel.pipe(client);
  client.on('close', () => tunnel.destroy());
  tunnel.on('close', () => client.destroy());
}

async function listen(server: Server, port: number, address: string): Promise<number | undefined> {
  server.listen(port, address);
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
  } catch (error) {
    report(`cannot listen on ${address}:${port}: ${(error as Error).message}`);
    return undefined;
  }
  const bound = server.address();
  return typeof bound === 'object' && bound !== null ? bound.port : undefined;
}

async function main(): Promise<void> {
  if (command === undefined) {
    report('no program to start');
    process.exit(127);
  }
  for (const listener of config.listeners) {
    const server = createServer((client) => {
      client.on('error', () => client.destroy());
      client.pause();
      openTunnel(
        listener.destination,
        (tunnel, early) => join(client, tunnel, early),
        (reason) => {
          report(`connection to ${listener.destination} refused: ${reason}`);
          client.destroy();
        },
      );
    });
    await listen(server, listener.port, listener.address);
  }
  // The HTTPS_PROXY endpoint passes bytes both ways; the client speaks CONNECT to the host's proxy itself.
  const proxy = createServer((client) => {
    client.on('error', () => client.destroy());
    const upstream = connect(config.socket);
    upstream.on('error', () => client.destroy());
    join(client, upstream, Buffer.alloc(0));
  });
  const proxyPort = await listen(proxy, 0, '127.0.0.1');
  // The inner bwrap adds the proxy to the environment the program inherits (the sandbox's: granted variables only).
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  const proxyVariables = proxyPort === undefined ? [] : ['--setenv', 'HTTPS_PROXY', proxyUrl, '--setenv', 'https_proxy', proxyUrl];

  const { inner } = config;
  const child = spawn(inner.bubblewrap, [...inner.args, ...proxyVariables, '--', command, ...args], {
    stdio: ['inherit', 'inherit', 'inherit', inner.seccompDescriptor],
  });
  child.on('error', (error) => {
    report(`cannot start ${command}: ${error.message}`);
    process.exit(127);
  });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (signal === null ? 1 : 9)));
}

void main();
