import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { registerAdmissionMetrics } from '../observability/admission-metrics.js';
import { AdmissionGate } from './admission-gate.js';
import { refuseAtTheFront } from './admission-front.js';
import { admissionPlugin } from './admission-plugin.js';
import { createRefusalLog } from './refusal-log.js';
import { startLoopDelayLimit } from './loop-delay-limit.js';

/** The admission settings (HostConfig.admission). */
export interface AdmissionSettings {
  readonly maxInFlight: number;
  readonly maxQueued: number;
  readonly queueTimeoutMs: number;
  readonly targetLoopDelayMs: number;
  /** The adaptive limit's floor. */
  readonly minInFlight: number;
}

/** The RPCs that run a chat turn: the ones admission control bounds. */
export const CHAT_TURN_PATHS: readonly string[] = [
  '/twirp/acai.chat.ChatService/StartConversation',
  '/twirp/acai.chat.ChatService/ContinueConversation',
  '/twirp/acai.chat.ChatService/ContinueChatStream',
];

/** Where the adaptive limit starts, relative to the maximum (the floor is ADMISSION_MIN_IN_FLIGHT). */
const INITIAL_LIMIT = 64;
/** What a refusal's Retry-After says: by then the burst that filled the gate has usually been served. */
const RETRY_AFTER_SECONDS = 1;
/** Fastify's own default body limit, for a server built without one. */
const DEFAULT_BODY_LIMIT = 1_048_576;

/**
 * Builds the gate, its metrics and (unless `targetLoopDelayMs` is 0) the controller that adapts its
 * limit to the event-loop delay, puts the at-once refusal in front of `server`'s HTTP server and
 * registers the plugin on `server`; nothing when `maxInFlight` is 0.
 */
export async function registerAdmission(
  server: FastifyInstance,
  options: {
    readonly settings: AdmissionSettings;
    readonly registry: Registry;
    readonly paths?: readonly string[];
    /** Whose turns may be refused in front of Fastify, before authentication (see AdmissionFrontOptions). */
    readonly isKnownCaller?: (request: IncomingMessage) => boolean;
    /** Counts a refusal answered in front of Fastify in the HTTP request metrics. */
    readonly countRefusal?: (path: string, method: string) => void;
  },
): Promise<AdmissionGate | undefined> {
  const { settings } = options;
  if (settings.maxInFlight === 0) return undefined;
  const isAdaptive = settings.targetLoopDelayMs > 0;
  let gate: AdmissionGate | undefined;
  const events = registerAdmissionMetrics(options.registry, () => gate);
  gate = new AdmissionGate(
    {
      maxInFlight: isAdaptive ? Math.min(INITIAL_LIMIT, settings.maxInFlight) : settings.maxInFlight,
      maxQueued: settings.maxQueued,
      maxQueueMs: settings.queueTimeoutMs,
    },
    { observer: events },
  );
  if (isAdaptive) {
    const controller = startLoopDelayLimit(gate, {
      minLimit: Math.min(settings.minInFlight, settings.maxInFlight),
      maxLimit: settings.maxInFlight,
      targetDelayMs: settings.targetLoopDelayMs,
    });
    server.addHook('onClose', async () => controller.stop());
  }
  const paths = options.paths ?? CHAT_TURN_PATHS;
  const refusals = createRefusalLog(server.log);
  refuseAtTheFront(server.server, {
    gate,
    paths,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    refusals,
    maxBodyBytes: server.initialConfig.bodyLimit ?? DEFAULT_BODY_LIMIT,
    ...(options.isKnownCaller ? { isKnownCaller: options.isKnownCaller } : {}),
    ...(options.countRefusal ? { countRefusal: options.countRefusal } : {}),
  });
  await server.register(admissionPlugin, { gate, paths, retryAfterSeconds: RETRY_AFTER_SECONDS, refusals });
  return gate;
}
