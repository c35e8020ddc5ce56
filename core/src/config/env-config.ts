import { isAbsolute, resolve } from 'node:path';
import { redisUrlProblem } from '../cache/redis-connection.js';
import { HostError } from '../errors/index.js';
import type { WorkerIsolation } from '../plugin-host/worker/worker-plugin-runtime.js';
import { mongodbUrlProblem } from '../storage/mongodb-url-problem.js';

/** Everything the host reads from the environment, parsed once at boot. */
export interface HostConfig {
  readonly server: {
    readonly port: number;
    readonly host: string;
    /** Body size limit for RPCs. */
    readonly maxBodyBytes: number;
    /** Whole-request deadline; kept below the HTTP server's own timeouts. */
    readonly requestDeadlineMs: number;
    readonly shutdownDeadlineMs: number;
    /** Serve /metrics on a separate port (0 = on the main port, behind the `metrics` scope). */
    readonly metricsPort: number;
  };
  readonly pluginsConfigPath: string;
  /** What `${VAR}` references in plugins.config.json resolve against (the environment the host started with). */
  readonly pluginVariables: Readonly<Record<string, string | undefined>>;
  readonly dataDir: string;
  readonly mongodb: { readonly url: string | undefined; readonly database: string };
  readonly redis: { readonly url: string | undefined; readonly keyPrefix: string };
  readonly model: {
    readonly apiKey: string | undefined;
    readonly baseURL: string | undefined;
    readonly model: string | undefined;
    readonly titleModel: string | undefined;
    /** True when enough is set to call a model. */
    readonly isConfigured: boolean;
    readonly timeoutMs: number;
    readonly maxAttempts: number;
    readonly stream: boolean;
  };
  readonly chat: {
    readonly maxMessageBytes: number;
    readonly maxToolSteps: number;
    readonly contextTokenBudget: number;
    readonly summarize: boolean;
    readonly sessionTtlMinutes: number;
    readonly titleCacheTtlHours: number;
    readonly promptsFile: string | undefined;
  };
  readonly auth: {
    readonly disabled: boolean;
    readonly bootstrapKeys: string | undefined;
    readonly keysFile: string | undefined;
    /** CIDR ranges allowed without a key (legacy clients), as "cidr" or "cidr=tenant". */
    readonly trustedNetworks: readonly string[];
    readonly trustedProxies: readonly string[];
  };
  readonly rateLimit: {
    readonly requestsPerMinute: number;
    readonly burst: number;
    readonly modelTokensPerMinute: number;
    readonly toolCallsPerMinute: number;
  };
  readonly logging: { readonly level: string; readonly logContent: boolean };
  /** Admission control of chat turns per replica (core/src/admission; defaults from bench:capacity). */
  readonly admission: {
    /** Turns in progress at once, at most (ADMISSION_MAX_IN_FLIGHT; 0 turns admission control off). */
    readonly maxInFlight: number;
    /** Turns waiting for room; one more is refused at once (ADMISSION_MAX_QUEUED). */
    readonly maxQueued: number;
    /** Longest wait for room before a turn is refused (ADMISSION_QUEUE_TIMEOUT_MS). */
    readonly queueTimeoutMs: number;
    /** Event-loop delay the adaptive limit aims below (ADMISSION_TARGET_LOOP_DELAY_MS; 0 = a fixed limit of maxInFlight). */
    readonly targetLoopDelayMs: number;
  };
  readonly plugins: {
    /** Reload the plugin set when plugins.config.json changes on disk. */
    readonly watchConfig: boolean;
    /** Quiet period after the last change to the file before the reload starts. */
    readonly watchDebounceMs: number;
    /** How long retired plugin instances may take to finish in-flight calls after a reload. */
    readonly reloadDrainMs: number;
    /** Roll back to the previous set when an upgraded plugin trips its breaker this soon after a reload (0 = off). */
    readonly autoRollbackWindowMs: number;
    readonly worker: {
      /** `thread` (worker_threads) or `process` (child process: also contains V8 process aborts). */
      readonly isolation: WorkerIsolation;
      /** Old-generation heap limit of each worker plugin. */
      readonly maxHeapMb: number;
      /** A worker still busy with one call this long after it started is terminated and restarted. */
      readonly hardDeadlineMs: number;
      /** CPU niceness of plugin workers (0–19; 0 = the host's priority), so a spinning plugin yields to the request path. */
      readonly niceness: number;
    };
  };
  /** Acai as an MCP server over Streamable HTTP at /mcp (the `acai mcp` stdio command needs none of this). */
  readonly mcp: {
    /** Serve /mcp (behind the `tools` scope). */
    readonly httpEnabled: boolean;
    /** Open sessions on this replica, all callers together. */
    readonly maxSessions: number;
    /** Open sessions per caller (an API key; a keyless caller is its tenant and address). */
    readonly maxSessionsPerCaller: number;
    /** A session with no request and no open stream for this long is closed. */
    readonly sessionIdleMinutes: number;
    /** Browser origins allowed to call /mcp; a request with any other Origin header is refused (DNS rebinding). */
    readonly allowedOrigins: readonly string[];
  };
  /** Webhook mode when both the token and the secret are set; apiRoot points at a self-hosted Bot API server. */
  readonly telegram: { readonly botToken: string | undefined; readonly webhookSecret: string | undefined; readonly apiRoot: string | undefined };
}

type Env = Readonly<Record<string, string | undefined>>;

/** The log levels LOG_LEVEL and `--log-level` accept. */
export const LOG_LEVELS: ReadonlySet<string> = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** The process environment: the one place the host reads `process.env` (the entry point passes it in). */
export function processEnvironment(): Readonly<Record<string, string | undefined>> {
  return process.env;
}

/**
 * Parses the environment once. Collects every problem into one HOST_CONFIG_INVALID error whose
 * message names each variable and the fix; returns frozen, typed config.
 */
export function loadHostConfig(env: Env, cwd: string = process.cwd()): HostConfig {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}: expected a whole number from ${min} to ${max}, got ${shown(raw)}`);
      return fallback;
    }
    return value;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = text(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name}: expected true or false, got ${shown(raw)}`);
    return fallback;
  };
  const list = (name: string): string[] =>
    (text(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
  const url = (name: string, protocols: readonly string[]): string | undefined => {
    const raw = text(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name}: expected a ${protocols.join(' or ')} URL, got protocol "${parsed.protocol}"`);
      }
    } catch {
      problems.push(`${name}: not a valid URL`);
    }
    return raw;
  };
  const choice = <T extends string>(name: string, choices: readonly T[], fallback: T): T => {
    const raw = text(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if ((choices as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${name}: expected one of ${choices.join(', ')}, got ${shown(raw)}`);
    return fallback;
  };
  // Origins as browsers send them: scheme://host[:port], nothing else.
  const origins = (name: string): string[] =>
    list(name).filter((origin) => {
      let parsed: URL | undefined;
      try {
        parsed = new URL(origin);
      } catch {
        parsed = undefined;
      }
      const isOrigin = parsed !== undefined && ['http:', 'https:'].includes(parsed.protocol) && parsed.origin === origin;
      if (!isOrigin) problems.push(`${name}: expected origins such as https://app.example.com (scheme, host and port only), got ${shown(origin)}`);
      return isOrigin;
    });
  const path = (value: string): string => (isAbsolute(value) ? value : resolve(cwd, value));
  // Connection strings with host lists (replica sets, Sentinel, Cluster) are not WHATWG URLs.
  const connectionString = (name: string, problemOf: (value: string) => string | undefined): string | undefined => {
    const raw = text(name);
    const problem = raw === undefined ? undefined : problemOf(raw);
    if (problem !== undefined) problems.push(`${name}: ${problem}`);
    return raw;
  };

  const logLevel = (text('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.has(logLevel)) problems.push(`LOG_LEVEL: expected one of ${[...LOG_LEVELS].join(', ')}, got ${shown(logLevel)}`);

  const apiKey = text('OPENAI_API_KEY');
  const baseURL = url('OPENAI_BASE_URL', ['http:', 'https:']);
  const model = text('OPENAI_MODEL');
  // A local OpenAI-compatible server (Ollama, llama.cpp...) needs no key; the public API does.
  const isModelConfigured = model !== undefined && (apiKey !== undefined || baseURL !== undefined);

  const requestDeadlineMs = integer('REQUEST_DEADLINE_MS', 45_000, 1_000, 600_000);

  const config: HostConfig = {
    server: {
      port: integer('PORT', 8080, 0, 65_535),
      host: text('HOST') ?? '127.0.0.1',
      maxBodyBytes: integer('MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
      requestDeadlineMs,
      shutdownDeadlineMs: integer('SHUTDOWN_DEADLINE_MS', 20_000, 0, 600_000),
      metricsPort: integer('METRICS_PORT', 0, 0, 65_535),
    },
    pluginsConfigPath: path(text('PLUGINS_CONFIG') ?? './plugins.config.json'),
    dataDir: path(text('ACAI_DATA_DIR') ?? './.acai-data'),
    mongodb: { url: connectionString('MONGODB_URL', mongodbUrlProblem), database: text('MONGODB_DATABASE') ?? 'acai' },
    redis: { url: connectionString('REDIS_URL', redisUrlProblem), keyPrefix: text('REDIS_KEY_PREFIX') ?? 'acai:' },
    model: {
      apiKey,
      baseURL,
      model,
      titleModel: text('OPENAI_TITLE_MODEL') ?? model,
      isConfigured: isModelConfigured,
      timeoutMs: integer('OPENAI_TIMEOUT_MS', 30_000, 100, 600_000),
      maxAttempts: integer('OPENAI_MAX_ATTEMPTS', 3, 1, 10),
      stream: flag('OPENAI_STREAM', false),
    },
    chat: {
      maxMessageBytes: integer('MAX_MESSAGE_BYTES', 32 * 1024, 1, 1024 * 1024),
      maxToolSteps: integer('CHAT_MAX_TOOL_STEPS', 8, 1, 50),
      contextTokenBudget: integer('CONTEXT_TOKEN_BUDGET', 16_000, 500, 2_000_000),
      summarize: flag('CHAT_SUMMARIZE', false),
      sessionTtlMinutes: integer('SESSION_TTL_MINUTES', 30, 1, 7 * 24 * 60),
      titleCacheTtlHours: integer('TITLE_CACHE_TTL_HOURS', 24 * 30, 1, 24 * 365),
      promptsFile: text('PROMPTS_FILE') === undefined ? undefined : path(text('PROMPTS_FILE')!),
    },
    auth: {
      disabled: flag('AUTH_DISABLED', false),
      bootstrapKeys: text('ACAI_API_KEYS'),
      keysFile: text('ACAI_API_KEYS_FILE') === undefined ? undefined : path(text('ACAI_API_KEYS_FILE')!),
      trustedNetworks: list('ACAI_TRUSTED_NETWORKS'),
      trustedProxies: list('ACAI_TRUSTED_PROXIES'),
    },
    rateLimit: {
      requestsPerMinute: integer('RATE_LIMIT_PER_MINUTE', 120, 0, 1_000_000),
      burst: integer('RATE_LIMIT_BURST', 30, 0, 1_000_000),
      modelTokensPerMinute: integer('TENANT_MODEL_TOKENS_PER_MINUTE', 0, 0, 1_000_000_000),
      toolCallsPerMinute: integer('TENANT_TOOL_CALLS_PER_MINUTE', 0, 0, 1_000_000),
    },
    logging: { level: logLevel, logContent: flag('LOG_CONTENT', false) },
    admission: {
      maxInFlight: integer('ADMISSION_MAX_IN_FLIGHT', 256, 0, 100_000),
      maxQueued: integer('ADMISSION_MAX_QUEUED', 256, 0, 100_000),
      queueTimeoutMs: integer('ADMISSION_QUEUE_TIMEOUT_MS', 100, 0, 60_000),
      targetLoopDelayMs: integer('ADMISSION_TARGET_LOOP_DELAY_MS', 50, 0, 10_000),
    },
    plugins: {
      watchConfig: flag('PLUGINS_WATCH', true),
      watchDebounceMs: integer('PLUGINS_WATCH_DEBOUNCE_MS', 300, 0, 60_000),
      reloadDrainMs: integer('PLUGINS_RELOAD_DRAIN_MS', 60_000, 0, 600_000),
      autoRollbackWindowMs: integer('PLUGINS_AUTO_ROLLBACK_WINDOW_MS', 0, 0, 24 * 60 * 60 * 1000),
      worker: {
        isolation: choice('PLUGIN_WORKER_ISOLATION', ['thread', 'process'] as const, 'thread'),
        maxHeapMb: integer('PLUGIN_WORKER_MAX_HEAP_MB', 128, 16, 16_384),
        hardDeadlineMs: integer('PLUGIN_WORKER_HARD_DEADLINE_MS', 15_000, 100, 600_000),
        niceness: integer('PLUGIN_WORKER_NICE', 10, 0, 19),
      },
    },
    mcp: {
      httpEnabled: flag('MCP_HTTP_ENABLED', true),
      maxSessions: integer('MCP_MAX_SESSIONS', 1000, 1, 100_000),
      maxSessionsPerCaller: integer('MCP_MAX_SESSIONS_PER_CALLER', 100, 1, 100_000),
      sessionIdleMinutes: integer('MCP_SESSION_IDLE_MINUTES', 30, 1, 7 * 24 * 60),
      allowedOrigins: origins('MCP_ALLOWED_ORIGINS'),
    },
    telegram: { botToken: text('TELEGRAM_BOT_TOKEN'), webhookSecret: text('TELEGRAM_WEBHOOK_SECRET'), apiRoot: url('TELEGRAM_API_ROOT', ['http:', 'https:']) },
    // A copy: plugins.config.json is re-read on every reload, against the environment the host started with.
    pluginVariables: { ...env },
  };

  if (problems.length > 0) {
    throw new HostError('HOST_CONFIG_INVALID', `Invalid environment:\n  - ${problems.join('\n  - ')}`);
  }
  return deepFreeze(config);
}

/** A rejected value as messages quote it: cut short, so a huge variable cannot flood the boot error. */
function shown(raw: string): string {
  return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
