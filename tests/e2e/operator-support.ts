// Set-up for the operator suites: hosts built exactly like `npm start` builds them (buildApp), several of
// them over one store as replicas, called through `inject`, with their reloads observable as events.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildApp, type AcaiApp } from '../../core/src/app.js';
import { loadHostConfig } from '../../core/src/config/env-config.js';
import type { ReloadEvent } from '../../core/src/plugin-host/reload/index.js';
import { WAIT_TIMEOUT_MS } from '../support/timing.js';

export const OPS_ADMIN_KEY = 'acai_operator_suite_ops_admin_0123456789';
export const ACME_ADMIN_KEY = 'acai_operator_suite_acme_admin_012345678';
export const ACME_CHAT_KEY = 'acai_operator_suite_acme_chat_0123456789';
/** Bootstrap keys: `ops` is an operator tenant (the default ACAI_OPERATOR_TENANTS), `acme` a tenant with its own admin. */
export const OPERATOR_SUITE_KEYS = `${OPS_ADMIN_KEY}:ops:admin+metrics,${ACME_ADMIN_KEY}:acme:admin,${ACME_CHAT_KEY}:acme:chat`;

/** The suites wait on events; this only bounds how long a missing event is waited for (the suite's scaled budget). */
export const EVENT_BUDGET_MS = WAIT_TIMEOUT_MS;

/** A host built by buildApp (not listening), with its log lines and reload events. */
export interface ReplicaHost {
  readonly app: AcaiApp;
  readonly dataDir: string;
  readonly logLines: Array<Record<string, unknown>>;
  readonly reloads: ReloadEvent[];
  /** Resolves with the next reload event that `matches` (already-seen events do not count). */
  nextReload(matches: (event: ReloadEvent) => boolean, what: string): Promise<ReloadEvent>;
  /** A Twirp JSON call of `acai.admin.<service>`. */
  admin(method: string, body?: unknown, key?: string | null, service?: string): Promise<{ status: number; body: Record<string, any> }>;
  get(path: string, key?: string | null): Promise<{ status: number; body: Record<string, any> }>;
  close(): Promise<void>;
}

/** Builds a host over `env` (plus a data directory of its own unless ACAI_DATA_DIR is given). */
export async function startReplica(env: Record<string, string | undefined>): Promise<ReplicaHost> {
  const ownDataDir = env.ACAI_DATA_DIR === undefined ? await mkdtemp(join(tmpdir(), 'acai-replica-')) : undefined;
  const dataDir = env.ACAI_DATA_DIR ?? ownDataDir!;
  const fullEnv = { LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '0', ACAI_API_KEYS: OPERATOR_SUITE_KEYS, ...env, ACAI_DATA_DIR: dataDir };
  const logLines: Array<Record<string, unknown>> = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = await buildApp(loadHostConfig(fullEnv), { env: fullEnv, logDestination });
  const reloads: ReloadEvent[] = [];
  const waiters = new Set<{ matches: (event: ReloadEvent) => boolean; resolve: (event: ReloadEvent) => void }>();
  app.pluginHost.onReload((event) => {
    reloads.push(event);
    for (const waiter of waiters) {
      if (!waiter.matches(event)) continue;
      waiters.delete(waiter);
      waiter.resolve(event);
    }
  });
  const call = async (method: 'GET' | 'POST', url: string, key: string | null | undefined, payload?: unknown) => {
    const response = await app.server.inject({
      method,
      url,
      headers: { ...(method === 'POST' ? { 'content-type': 'application/json' } : {}), ...(key === null ? {} : { authorization: `Bearer ${key ?? OPS_ADMIN_KEY}` }) },
      ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
    });
    return { status: response.statusCode, body: response.body === '' ? {} : (JSON.parse(response.body) as Record<string, any>) };
  };
  return {
    app,
    dataDir,
    logLines,
    reloads,
    nextReload(matches, what) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reload event (${what}) within ${EVENT_BUDGET_MS} ms`)), EVENT_BUDGET_MS);
        waiters.add({ matches, resolve: (event) => (clearTimeout(timer), resolve(event)) });
      });
    },
    admin: (method, body = {}, key, service = 'PluginService') => call('POST', `/twirp/acai.admin.${service}/${method}`, key, body),
    get: (path, key = null) => call('GET', path, key),
    async close() {
      await app.close();
      if (ownDataDir !== undefined) await rm(ownDataDir, { recursive: true, force: true });
    },
  };
}

/** A plugin of a ListPlugins answer, by name. */
export function pluginNamed(body: Record<string, any>, name: string): Record<string, any> | undefined {
  return (body.plugins as Array<Record<string, any>> | undefined)?.find((plugin) => plugin.name === name);
}
