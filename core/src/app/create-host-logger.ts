import type { DestinationStream, Logger } from 'pino';
import type { HostConfig } from '../config/env-config.js';
import { connectionStringSecrets, createLogger, SecretRegistry } from '../observability/index.js';

/** The host's logger and the registry of values it scrubs from every line. */
export interface HostLogging {
  readonly logger: Logger;
  /** Later steps add the secrets they learn (plugin config, bootstrap keys). */
  readonly secrets: SecretRegistry;
}

/**
 * The first step of the start-up: a logger that already knows the secrets of the host's own config (the
 * model key, the Telegram token and webhook secret, credentials in the MongoDB and Redis URLs), so no later
 * step can log one by accident.
 */
export function createHostLogger(config: HostConfig, destination?: DestinationStream): HostLogging {
  const secrets = new SecretRegistry();
  const logger = createLogger({
    level: config.logging.level,
    logContent: config.logging.logContent,
    secrets,
    base: { service: 'acai' },
    ...(destination ? { destination } : {}),
  });
  for (const value of [config.model.apiKey, config.telegram.botToken, config.telegram.webhookSecret]) secrets.register(value);
  for (const value of [...connectionStringSecrets(config.mongodb.url), ...connectionStringSecrets(config.redis.url)]) secrets.register(value);
  return { logger, secrets };
}
