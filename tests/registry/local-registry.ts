// A private npm registry (verdaccio, uplink-free) on a loopback port, started by the suite and the
// benchmarks themselves: the packages of this checkout are published to it with `npm publish`, the
// third-party packages they need are copied into it from npm's cache (see seed-registry.ts), and
// every npm command of a test talks only to it, through a private HOME with its own .npmrc and cache.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SERVER_SCRIPT = fileURLToPath(new URL('./serve-registry.mjs', import.meta.url));

/** A running registry and the account that publishes to it. */
export interface LocalRegistry {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  /** Bearer token of the publishing user. */
  readonly token: string;
  /** Its storage folder (removed by close()). */
  readonly folder: string;
  close(): Promise<void>;
}

/**
 * Starts verdaccio in a child process and resolves once it listens (it prints its URL when its
 * server's listen callback ran), then registers a user. Never waits on a guess of how long that takes.
 */
export async function startLocalRegistry(): Promise<LocalRegistry> {
  const folder = await mkdtemp(join(tmpdir(), 'acai-registry-'));
  const child = spawn(process.execPath, [SERVER_SCRIPT, folder], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = `${stderr}${chunk.toString()}`.slice(-4000)));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { url?: unknown };
        if (typeof parsed.url === 'string') resolve(parsed.url);
      } catch {
        // verdaccio's own log lines; the URL line is ours
      }
    });
    child.once('exit', (code) => reject(new Error(`the registry exited (code ${code}) before it listened: ${stderr}`)));
    child.once('error', reject);
  });
  const close = async () => {
    await stopChild(child);
    await rm(folder, { recursive: true, force: true });
  };
  try {
    const token = await addUser(url, 'acai-tests', 'local-registry-password');
    return { url, token, folder, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Registers a user the way `npm adduser` does and returns its token. */
async function addUser(url: string, name: string, password: string): Promise<string> {
  const response = await fetch(new URL(`-/user/org.couchdb.user:${encodeURIComponent(name)}`, url), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [], date: new Date().toISOString() }),
  });
  const body = (await response.json()) as { token?: unknown };
  if (!response.ok || typeof body.token !== 'string') throw new Error(`the registry refused the test user: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body.token;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

/** An npm user environment that only knows the local registry: HOME, .npmrc, cache, PATH. */
export interface NpmHome {
  readonly home: string;
  /** The environment for npm, npx and the acai CLI run as this user. */
  readonly env: Record<string, string>;
  remove(): Promise<void>;
}

/**
 * A private HOME whose .npmrc points npm at `registry` with its token (so `npm publish`, `npm create`,
 * `npx` and installs all go there), with its own npm cache. `extraEnv` is added to the environment.
 */
export async function createNpmHome(registry: LocalRegistry, extraEnv: Record<string, string> = {}): Promise<NpmHome> {
  const home = await mkdtemp(join(tmpdir(), 'acai-npm-home-'));
  const host = new URL(registry.url);
  const npmrc = [
    `registry=${registry.url}`,
    `//${host.host}/:_authToken=${registry.token}`,
    `cache=${join(home, '.npm')}`,
    // `npm install --global` lands in this HOME too (its bin folder is first on PATH).
    `prefix=${join(home, '.local')}`,
    'update-notifier=false',
    'fund=false',
    'audit=false',
    // The registry is on loopback: retry a dropped connection at once (a missing package is a 404, never retried).
    'fetch-retries=2',
    'fetch-retry-mintimeout=200',
    'fetch-retry-maxtimeout=2000',
  ].join('\n');
  await writeFile(join(home, '.npmrc'), `${npmrc}\n`);
  await mkdir(join(home, '.npm'), { recursive: true });
  // node and npm sit next to each other; tar and git come from the system folders.
  const path = [join(home, '.local', 'bin'), dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
  return {
    home,
    env: { PATH: path, HOME: home, npm_config_userconfig: join(home, '.npmrc'), ...extraEnv },
    remove: () => rm(home, { recursive: true, force: true }),
  };
}
