import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';
import { killOnExit } from './child-processes.js';
import { redisServerBinary } from './env.js';
import { waitUntil } from './timing.js';

/** A private redis-server owned by one test file, so the test may kill and restart it. */
export interface PrivateRedisServer {
  readonly port: number;
  readonly url: string;
  /** Kills the server abruptly (SIGKILL), like a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: nothing is persisted). */
  restart(): Promise<void>;
  /** Stops it for good; safe to call twice. */
  stop(): Promise<void>;
}

/** A free loopback TCP port (the OS picks it; there is a tiny window before the caller binds it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('could not allocate a port');
  return address.port;
}

async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const finish = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => finish(data.toString().startsWith('+PONG')));
  });
}

function spawnRedis(port: number): ChildProcess {
  const child = killOnExit(spawn(
    redisServerBinary(),
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'],
    { stdio: 'ignore' },
  ));
  child.on('error', () => {});
  return child;
}

async function waitUntilReady(port: number, child: ChildProcess): Promise<void> {
  await waitUntil(async () => {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with code ${child.exitCode}`);
    return answersPing(port);
  }, `redis-server on port ${port} answering PING`);
}

async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/**
 * Starts a redis-server on a free loopback port (binary from ACAI_TEST_REDIS_SERVER_BIN, set by the runner).
 *
 * @example
 * const redis = await startPrivateRedis();
 * afterAll(() => redis.stop());
 * await redis.kill(); // Redis is now down
 */
export async function startPrivateRedis(): Promise<PrivateRedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined = spawnRedis(port);
  await waitUntilReady(port, child);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      await killChild(child);
      child = undefined;
    },
    async restart() {
      await killChild(child);
      child = spawnRedis(port);
      await waitUntilReady(port, child);
    },
    async stop() {
      await killChild(child);
      child = undefined;
    },
  };
}
