import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { SecretRegistry } from './secret-registry.js';

/** Options for {@link createLogger}. */
export interface CreateLoggerOptions {
  /** pino level: fatal | error | warn | info | debug | trace | silent. */
  level: string;
  /** Log message text (user input, model output) only when the operator opted in (LOG_CONTENT=true). */
  logContent: boolean;
  /** Registered secret values are scrubbed from every line; share it with whatever registers plugin secrets. */
  secrets?: SecretRegistry;
  /** Extra field names (case-insensitive) whose values are always replaced. */
  redactKeys?: readonly string[];
  /** Where lines go; stdout (synchronously, so nothing is lost at exit) by default. Tests pass a capture stream. */
  destination?: DestinationStream;
  /** Fields on every line (e.g. `{ service: 'acai' }`). */
  base?: Record<string, unknown>;
}

const REDACTED = '[REDACTED]';

// Field names compared after lower-casing and dropping '-' and '_': x-api-key → xapikey.
const SECRET_KEYS = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'xapikey',
  'apikey',
  'apikeys',
  'token',
  'password',
  'passwd',
  'secret',
  'secrets',
  'pepper',
  'privatekey',
  'connectionstring',
]);
const SECRET_SUFFIXES = ['password', 'secret', 'token', 'apikey'];

// Fields that carry conversation text; omitted unless logContent.
const CONTENT_KEYS = new Set(['content', 'prompt', 'completion', 'reply', 'messagetext', 'messages']);

const MAX_DEPTH = 8;

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describeOmitted(value: unknown): string {
  if (typeof value === 'string') return `[content omitted: ${value.length} chars]`;
  if (Array.isArray(value)) return `[content omitted: ${value.length} items]`;
  return '[content omitted]';
}

/**
 * Copies plain objects and arrays, replacing secret-named fields and (unless allowed) content fields.
 * Class instances (Errors, requests) are left to pino's serializers; their text is still scrubbed
 * line by line for registered secrets and URL passwords.
 */
function redactFields(value: unknown, secretKeys: ReadonlySet<string>, logContent: boolean, depth: number): unknown {
  if (depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => redactFields(item, secretKeys, logContent, depth + 1));
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const normalized = normalizeKey(key);
    if (inner !== undefined && inner !== null && (secretKeys.has(normalized) || SECRET_SUFFIXES.some((suffix) => normalized.endsWith(suffix)))) {
      copy[key] = REDACTED;
    } else if (!logContent && CONTENT_KEYS.has(normalized) && (typeof inner === 'string' || typeof inner === 'object') && inner !== null) {
      copy[key] = describeOmitted(inner);
    } else {
      copy[key] = redactFields(inner, secretKeys, logContent, depth + 1);
    }
  }
  return copy;
}

/** Wraps the destination so every serialized line is scrubbed of registered secrets and URL passwords. */
function scrubbingStream(destination: DestinationStream, secrets: SecretRegistry): DestinationStream {
  const flushable = destination as DestinationStream & { flushSync?: () => void; flush?: (callback?: (error?: Error) => void) => void };
  return Object.assign(
    {
      write(line: string) {
        destination.write(secrets.scrub(line));
      },
    },
    flushable.flushSync ? { flushSync: () => flushable.flushSync?.() } : {},
    flushable.flush ? { flush: (callback?: (error?: Error) => void) => flushable.flush?.(callback) } : {},
  );
}

/**
 * The host's pino logger: JSON lines with `trace_id`/`span_id` of the active OpenTelemetry span,
 * secrets redacted by field name (authorization, x-api-key, apiKey, token, password, secret…) and by
 * value (anything registered in `secrets`, connection-string passwords), conversation text omitted
 * unless `logContent`. Request id and tenant come from child loggers (`logger.child({ tenant })`).
 *
 * @example
 * const secrets = new SecretRegistry();
 * const logger = createLogger({ level: 'info', logContent: false, secrets });
 * secrets.register(process.env.WEATHER_API_KEY);
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const secrets = options.secrets ?? new SecretRegistry();
  const secretKeys = new Set([...SECRET_KEYS, ...(options.redactKeys ?? []).map(normalizeKey)]);
  const destination = options.destination ?? pino.destination({ dest: 1, sync: true });
  const loggerOptions: LoggerOptions = {
    level: options.level,
    base: options.base ?? { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin() {
      const span = trace.getActiveSpan();
      if (span === undefined) return {};
      const context = span.spanContext();
      return { trace_id: context.traceId, span_id: context.spanId };
    },
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redactFields(object, secretKeys, options.logContent, 0) as Record<string, unknown>,
      bindings: (bindings) => redactFields(bindings, secretKeys, options.logContent, 0) as Record<string, unknown>,
    },
  };
  return pino(loggerOptions, scrubbingStream(destination, secrets));
}
