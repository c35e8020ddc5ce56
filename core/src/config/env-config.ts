import { HostError } from '../errors/index.js';
import { readAdmissionSettings, type AdmissionSettings } from './env/admission-settings.js';
import { readAuthSettings, type AuthSettings } from './env/auth-settings.js';
import { readChatSettings, type ChatSettings } from './env/chat-settings.js';
import { EnvReader, type Env } from './env/env-reader.js';
import { readLoggingSettings, type LoggingSettings } from './env/logging-settings.js';
import { readMcpSettings, type McpSettings } from './env/mcp-settings.js';
import { readModelSettings, type ModelSettings } from './env/model-settings.js';
import { readOperatorSettings, type OperatorSettings } from './env/operator-settings.js';
import { readPluginSettings, type PluginSettings } from './env/plugin-settings.js';
import { readRateLimitSettings, type RateLimitSettings } from './env/rate-limit-settings.js';
import { readRetentionSettings, type RetentionSettings } from './env/retention-settings.js';
import { readServerSettings, type ServerSettings } from './env/server-settings.js';
import { readMongodbSettings, readRedisSettings, type MongodbSettings, type RedisSettings } from './env/storage-settings.js';
import { readTelegramSettings, type TelegramSettings } from './env/telegram-settings.js';

export { LOG_LEVELS } from './env/logging-settings.js';

/** Everything the host reads from the environment, parsed once at boot (one section parser per key, in ./env). */
export interface HostConfig {
  readonly server: ServerSettings;
  readonly pluginsConfigPath: string;
  /** What `${VAR}` references in plugins.config.json resolve against (the environment the host started with). */
  readonly pluginVariables: Readonly<Record<string, string | undefined>>;
  readonly dataDir: string;
  /** EMBEDDED_STORE_THREAD: the embedded store's SQLite work on a thread of its own instead of the event loop (default off). */
  readonly embeddedStoreThread: boolean;
  readonly mongodb: MongodbSettings;
  readonly redis: RedisSettings;
  readonly model: ModelSettings;
  readonly chat: ChatSettings;
  readonly auth: AuthSettings;
  readonly rateLimit: RateLimitSettings;
  readonly logging: LoggingSettings;
  readonly admission: AdmissionSettings;
  readonly plugins: PluginSettings;
  readonly mcp: McpSettings;
  readonly telegram: TelegramSettings;
  readonly retention: RetentionSettings;
  readonly operator: OperatorSettings;
}

/** The process environment: the one place the host reads `process.env` (the entry point passes it in). */
export function processEnvironment(): Readonly<Record<string, string | undefined>> {
  return process.env;
}

/**
 * Parses the environment once. Collects every problem into one HOST_CONFIG_INVALID error whose
 * message names each variable and the fix; returns frozen, typed config.
 */
export function loadHostConfig(env: Env, cwd: string = process.cwd()): HostConfig {
  const read = new EnvReader(env, cwd);
  const config: HostConfig = {
    server: readServerSettings(read),
    pluginsConfigPath: read.path('PLUGINS_CONFIG', './plugins.config.json'),
    dataDir: read.path('ACAI_DATA_DIR', './.acai-data'),
    embeddedStoreThread: read.flag('EMBEDDED_STORE_THREAD', false),
    mongodb: readMongodbSettings(read),
    redis: readRedisSettings(read),
    model: readModelSettings(read),
    chat: readChatSettings(read),
    auth: readAuthSettings(read),
    rateLimit: readRateLimitSettings(read),
    logging: readLoggingSettings(read),
    admission: readAdmissionSettings(read),
    plugins: readPluginSettings(read),
    mcp: readMcpSettings(read),
    telegram: readTelegramSettings(read),
    retention: readRetentionSettings(read),
    operator: readOperatorSettings(read),
    // A copy: plugins.config.json is re-read on every reload, against the environment the host started with.
    pluginVariables: { ...env },
  };
  if (read.problems.length > 0) {
    throw new HostError('HOST_CONFIG_INVALID', `Invalid environment:\n  - ${read.problems.join('\n  - ')}`);
  }
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
