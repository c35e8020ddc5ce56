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

/**
 * Where the adaptive limit starts (capped by the maximum; the floor is ADMISSION_MIN_IN_FLIGHT). With a fast
 * model the limit then stays there: it grows only while the loop has headroom, and a saturated loop has none.
 * So this is also the limit at capacity, and fewer turns in progress make each turn cheaper there:
 * bench:capacity, closed loop with 50 senders and a fixed limit of 8 / 16 / 24 / 32 / 40 / 48 turns: 901 /
 * 1,129 / 1,222 / 1,213–1,281 / 1,176 / 1,004 turns/s, against 912–1,042 with all 50 in progress (this
 * constant at 64), at 0.84 instead of 1.0–1.2 ms of host CPU per turn. Every part of the turn got cheaper
 * alike, the pure-computation tokenizer too (0.043 → 0.030 ms), which points at the working set of 50
 * interleaved turns no longer fitting the CPU's caches rather than at any one cost; 16 already keep the loop
 * busy. A turn beyond the limit waits in the gate's queue, which costs nothing per iteration.
 */
const INITIAL_LIMIT = 32;
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
