import type { DescMessage, DescMethod } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { toTwirpError } from '../errors/index.js';
import { answerTransportError } from './answer-transport-error.js';
import { badRouteError } from './bad-route-error.js';
import { goQuote } from './go-quote.js';
import { registerServerStreams } from './register-server-streams.js';
import type { RpcContext } from './rpc-context.js';
import type { ServerStreamMethod, ServerStreamObserver } from './server-event-stream.js';
import type { ServiceImplementation } from './service-implementation.js';
import { startRpcCall, untilAborted, type RpcCallOptions } from './start-rpc-call.js';
import { encodeTwirpResponse } from './twirp-codec.js';
import { twirpContentType } from './twirp-content-type.js';
import { readTwirpRequest, requestPath, requireTwirpContentType } from './twirp-request.js';

/** Twirp's conventional path prefix. */
export const DEFAULT_TWIRP_PREFIX = '/twirp';
/**
 * Default per-request deadline. The HTTP server's own timeouts (Fastify `requestTimeout`,
 * `connectionTimeout`, Node's `headersTimeout`) must be longer, so a slow call ends with a clean
 * `deadline_exceeded` body instead of a dropped connection; anything the handler waits on (model,
 * store) should be bounded by `context.signal` and shorter still.
 */
export const DEFAULT_REQUEST_DEADLINE_MS = 60_000;
/** Default request body limit; larger bodies get `invalid_argument` with `meta.argument = "body"`. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/** Options of {@link twirpPlugin}: one protobuf service served over Twirp. */
export interface TwirpPluginOptions<Methods extends GenServiceMethods> {
  /** The protoc-gen-es service descriptor, e.g. `ChatService`. */
  service: GenService<Methods>;
  /** One async function per RPC, keyed by the method's local name. */
  implementation: ServiceImplementation<Methods>;
  /** Path prefix; default `/twirp`. May be `''` (Twirp v7 allows any prefix). */
  prefix?: string;
  /** Per-request deadline in ms; default {@link DEFAULT_REQUEST_DEADLINE_MS}. */
  requestDeadlineMs?: number;
  /** Request body limit in bytes; default {@link DEFAULT_BODY_LIMIT_BYTES}. */
  bodyLimitBytes?: number;
  /** Adds to (or overrides) the context built for each call, e.g. the authenticated principal. May throw a HostError. */
  createContext?: (request: FastifyRequest) => Partial<RpcContext> | Promise<Partial<RpcContext>>;
  /** Clock for `context.deadline`; default `Date.now`. */
  now?: () => number;
  /**
   * Server-streaming methods served as Server-Sent Events under this service's path (Twirp itself has
   * no streaming, so they are not in the service descriptor). Same body rules, auth and deadline.
   */
  serverStreams?: readonly ServerStreamMethod[];
  /** Longest silence on a stream before a `: keep-alive` comment; default 15 s. */
  streamKeepAliveMs?: number;
  /** How long open streams may run on once the server starts closing; default 0 (ended at once). */
  streamShutdownGraceMs?: number;
  /** Telemetry for streams (metrics by route pattern and outcome, span status). */
  streamObserver?: ServerStreamObserver;
}

type AnyImplementation = Record<string, (request: unknown, context: RpcContext) => Promise<unknown>>;

interface RpcRoute {
  method: DescMethod & { input: DescMessage; output: DescMessage };
  url: string;
}

// Unknown services under a prefix are answered by one catch-all route per server and prefix,
// shared by every service registered there (chat, admin, ...).
const catchAllPrefixes = new WeakMap<object, Set<string>>();

async function registerTwirpService(app: FastifyInstance, options: TwirpPluginOptions<GenServiceMethods>): Promise<void> {
  const prefix = normalizePrefix(options.prefix ?? DEFAULT_TWIRP_PREFIX);
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const callOptions: RpcCallOptions = {
    deadlineMs: options.requestDeadlineMs ?? DEFAULT_REQUEST_DEADLINE_MS,
    now: options.now ?? Date.now,
    createContext: options.createContext,
  };
  const implementation = options.implementation as unknown as AnyImplementation;
  const routes = planRoutes(options.service, implementation, prefix);

  const servedPrefixes = catchAllPrefixes.get(app.server) ?? new Set<string>();
  catchAllPrefixes.set(app.server, servedPrefixes);
  const ownsPrefixCatchAll = prefix !== '' && !servedPrefixes.has(prefix);
  servedPrefixes.add(prefix);

  // An encapsulated child: the body parsers and the error handler apply to Twirp routes only.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // Bodies stay raw bytes; decoding is the codec's job so every failure becomes `malformed`.
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
    scope.setErrorHandler(answerTransportError(bodyLimit, 'twirp request'));

    for (const route of routes) {
      scope.route({
        method: 'POST',
        url: route.url,
        bodyLimit,
        onRequest: requireTwirpContentType,
        handler: async (request, reply) => {
          const { encoding, input } = readTwirpRequest(request, route.method.input);
          const started = startRpcCall(request, reply, callOptions);
          const call = started instanceof Promise ? await started : started;
          const { signal } = call;
          try {
            // A call whose deadline passed (or client left) while its context was made is answered with
            // that, and its method not started.
            if (signal.aborted) throw signal.reason;
            const output = await untilAborted(callMethod(implementation[route.method.localName]!, input, call.context), signal);
            const payload = encodeTwirpResponse(route.method.output, encoding, output as never);
            return reply.code(200).header('content-type', twirpContentType(encoding)).send(payload);
          } catch (error) {
            // Whatever the handler threw after the deadline or a disconnect, the abort is the answer.
            throw signal.aborted ? toTwirpError(signal.reason) : error;
          } finally {
            call.finish();
          }
        },
      });
    }

    if (options.serverStreams !== undefined && options.serverStreams.length > 0) {
      registerServerStreams(scope, {
        servicePath: `${prefix}/${options.service.typeName}`,
        methods: options.serverStreams,
        callOptions,
        keepAliveMs: options.streamKeepAliveMs,
        shutdownGraceMs: options.streamShutdownGraceMs ?? 0,
        observer: options.streamObserver,
      });
    }

    // Non-POST calls of known methods and unknown methods of this service.
    scope.all(`${prefix}/${options.service.typeName}/*`, { onRequest: rejectRoute }, rejectRoute);
    if (ownsPrefixCatchAll) {
      scope.all(prefix, { onRequest: rejectRoute }, rejectRoute);
      scope.all(`${prefix}/*`, { onRequest: rejectRoute }, rejectRoute);
    }
  });
}

/**
 * Serves one protoc-gen-es service over Twirp (spec v7, wire-compatible with Go's twirp v8):
 * POST only, JSON and binary protobuf, Twirp error bodies for every failure, a per-request
 * deadline and an abort signal on client disconnect. Register once per service; services under
 * the same prefix share the catch-all that answers unknown paths with `bad_route`.
 *
 * @example
 * await app.register(twirpPlugin, { service: ChatService, implementation: chatRpc });
 */
export const twirpPlugin = fastifyPlugin(registerTwirpService, {
  name: 'acai-twirp',
  fastify: '5.x',
}) as unknown as <Methods extends GenServiceMethods>(
  app: FastifyInstance,
  options: TwirpPluginOptions<Methods>,
) => Promise<void>;

/** The method's promise; a synchronous throw becomes its rejection (the method runs at once, not a hop later). */
function callMethod(method: AnyImplementation[string], input: unknown, context: RpcContext): Promise<unknown> {
  try {
    return Promise.resolve(method(input, context));
  } catch (error) {
    return Promise.reject(error);
  }
}

function planRoutes(service: GenService<GenServiceMethods>, implementation: AnyImplementation, prefix: string): RpcRoute[] {
  return service.methods.map((method) => {
    if (method.methodKind !== 'unary') {
      throw new TypeError(`twirp: ${service.typeName}.${method.name} is ${method.methodKind}; Twirp serves unary methods only`);
    }
    if (typeof implementation[method.localName] !== 'function') {
      throw new TypeError(`twirp: the implementation of ${service.typeName} has no function "${method.localName}" for ${method.name}`);
    }
    return { method, url: `${prefix}/${service.typeName}/${method.name}` } as RpcRoute;
  });
}

async function rejectRoute(request: FastifyRequest): Promise<never> {
  const path = requestPath(request);
  if (request.method !== 'POST') {
    throw badRouteError(`unsupported method ${goQuote(request.method)} (only POST is allowed)`, request.method, path);
  }
  throw badRouteError(`no handler for path ${goQuote(path)}`, request.method, path);
}

function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  return trimmed === '' || trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}
