import { describe, expect, it } from 'vitest';
import { HostError } from '../errors/index.js';
import { loadHostConfig } from './env-config.js';

describe('loadHostConfig', () => {
  it('starts on embedded defaults when nothing is set', () => {
    const config = loadHostConfig({}, '/srv/acai');
    expect(config.server.port).toBe(8080);
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.pluginsConfigPath).toBe('/srv/acai/plugins.config.json');
    expect(config.dataDir).toBe('/srv/acai/.acai-data');
    expect(config.embeddedStoreThread).toBe(false);
    expect(config.mongodb.url).toBeUndefined();
    expect(config.redis.url).toBeUndefined();
    expect(config.model.isConfigured).toBe(false);
    expect(config.chat.maxToolSteps).toBe(8);
    expect(config.chat.maxMessageBytes).toBe(32 * 1024);
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it('runs the embedded store on a thread of its own with EMBEDDED_STORE_THREAD=1', () => {
    expect(loadHostConfig({ EMBEDDED_STORE_THREAD: '1' }).embeddedStoreThread).toBe(true);
  });

  it('treats a model plus a local base URL as configured without an API key', () => {
    const config = loadHostConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', OPENAI_MODEL: 'llama3.2' });
    expect(config.model.isConfigured).toBe(true);
    expect(config.model.titleModel).toBe('llama3.2');
  });

  it('reports every invalid variable at once, naming each', () => {
    let caught: unknown;
    try {
      loadHostConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', MONGODB_URL: 'http://db', AUTH_DISABLED: 'maybe', EMBEDDED_STORE_THREAD: 'sometimes' });
    } catch (error) {
      caught = error;
    }
    expect(HostError.isInstance(caught)).toBe(true);
    const message = (caught as HostError).message;
    expect((caught as HostError).code).toBe('HOST_CONFIG_INVALID');
    for (const name of ['PORT', 'LOG_LEVEL', 'MONGODB_URL', 'AUTH_DISABLED', 'EMBEDDED_STORE_THREAD']) expect(message).toContain(name);
  });

  it('serves MCP at /mcp by default with bounded sessions and no browser origins', () => {
    expect(loadHostConfig({}).mcp).toEqual({ httpEnabled: true, maxSessions: 1000, maxSessionsPerCaller: 100, sessionIdleMinutes: 30, allowedOrigins: [] });
    const mcp = loadHostConfig({
      MCP_HTTP_ENABLED: 'false',
      MCP_MAX_SESSIONS: '10',
      MCP_MAX_SESSIONS_PER_CALLER: '2',
      MCP_SESSION_IDLE_MINUTES: '5',
      MCP_ALLOWED_ORIGINS: 'https://console.example.com, http://localhost:5173',
    }).mcp;
    expect(mcp).toEqual({ httpEnabled: false, maxSessions: 10, maxSessionsPerCaller: 2, sessionIdleMinutes: 5, allowedOrigins: ['https://console.example.com', 'http://localhost:5173'] });
  });

  it('refuses MCP settings out of range and origins that are not origins, naming each variable', () => {
    let message = '';
    try {
      loadHostConfig({ MCP_MAX_SESSIONS: '0', MCP_SESSION_IDLE_MINUTES: 'forever', MCP_ALLOWED_ORIGINS: 'https://ok.example.com,https://app.example.com/path,*,file:///etc' });
    } catch (error) {
      message = (error as HostError).message;
    }
    expect(message).toContain('MCP_MAX_SESSIONS: expected a whole number from 1 to 100000');
    expect(message).toContain('MCP_SESSION_IDLE_MINUTES');
    for (const origin of ['"https://app.example.com/path"', '"*"', '"file:///etc"']) expect(message).toContain(`MCP_ALLOWED_ORIGINS: expected origins such as https://app.example.com (scheme, host and port only), got ${origin}`);
    expect(message).not.toContain('"https://ok.example.com"');
  });

  it('defaults the plugin isolation and reload settings', () => {
    const { plugins } = loadHostConfig({});
    expect(plugins).toEqual({
      watchConfig: true,
      watchDebounceMs: 300,
      reloadDrainMs: 60_000,
      autoRollbackWindowMs: 0,
      startRetry: { maxAttempts: 4, backoff: { initialMs: 1_000, maxMs: 30_000 } },
      worker: { isolation: 'thread', maxHeapMb: 128, hardDeadlineMs: 15_000, niceness: 10 },
      sandbox: { bubblewrapPath: undefined },
    });
    expect(Object.isFrozen(plugins.worker)).toBe(true);
  });

  it('reads the plugin isolation and reload settings from the environment', () => {
    const { plugins } = loadHostConfig({
      PLUGINS_WATCH: 'off',
      PLUGINS_WATCH_DEBOUNCE_MS: '50',
      PLUGINS_RELOAD_DRAIN_MS: '5000',
      PLUGINS_AUTO_ROLLBACK_WINDOW_MS: '120000',
      PLUGIN_WORKER_ISOLATION: 'Process',
      PLUGIN_WORKER_MAX_HEAP_MB: '64',
      PLUGIN_WORKER_HARD_DEADLINE_MS: '2500',
      PLUGIN_WORKER_NICE: '0',
      PLUGIN_START_ATTEMPTS: '1',
      PLUGIN_START_RETRY_DELAY_MS: '250',
      PLUGIN_SANDBOX_BWRAP: '/opt/bubblewrap/bwrap',
    });
    expect(plugins).toEqual({
      watchConfig: false,
      watchDebounceMs: 50,
      reloadDrainMs: 5_000,
      autoRollbackWindowMs: 120_000,
      startRetry: { maxAttempts: 1, backoff: { initialMs: 250, maxMs: 30_000 } },
      worker: { isolation: 'process', maxHeapMb: 64, hardDeadlineMs: 2_500, niceness: 0 },
      sandbox: { bubblewrapPath: '/opt/bubblewrap/bwrap' },
    });
  });

  it('refuses malformed, out-of-range and hostile plugin settings, naming each variable', () => {
    let caught: unknown;
    try {
      loadHostConfig({
        PLUGINS_WATCH: 'sometimes',
        PLUGINS_WATCH_DEBOUNCE_MS: '-1',
        PLUGINS_AUTO_ROLLBACK_WINDOW_MS: '1e99',
        PLUGIN_WORKER_ISOLATION: 'vm; rm -rf /',
        PLUGIN_WORKER_MAX_HEAP_MB: '8',
        PLUGIN_WORKER_HARD_DEADLINE_MS: '9'.repeat(10_000),
        PLUGINS_RELOAD_DRAIN_MS: '1.5',
        PLUGIN_WORKER_NICE: '-5',
      });
    } catch (error) {
      caught = error;
    }
    expect(HostError.isInstance(caught) && caught.code).toBe('HOST_CONFIG_INVALID');
    const message = (caught as HostError).message;
    for (const name of [
      'PLUGINS_WATCH:',
      'PLUGINS_WATCH_DEBOUNCE_MS:',
      'PLUGINS_AUTO_ROLLBACK_WINDOW_MS:',
      'PLUGIN_WORKER_ISOLATION: expected one of thread, process',
      'PLUGIN_WORKER_MAX_HEAP_MB: expected a whole number from 16',
      'PLUGIN_WORKER_HARD_DEADLINE_MS:',
      'PLUGINS_RELOAD_DRAIN_MS:',
      'PLUGIN_WORKER_NICE: expected a whole number from 0 to 19',
    ]) {
      expect(message).toContain(name);
    }
    // the 10,000-character value is quoted cut short, not echoed whole
    expect(message.length).toBeLessThan(1_500);
  });
});
