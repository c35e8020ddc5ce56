import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { hostTracer, markSpanFailed, tracingActive } from './with-span.js';

interface RequestSpans {
  readonly server: Span;
  readonly rpc: Span | undefined;
  readonly context: Context;
}

// A WeakMap rather than a request decoration: nothing outside this file should reach for the spans.
const spansByRequest = new WeakMap<FastifyRequest, RequestSpans>();

// `/twirp/<package.Service>/<Method>`, after any path prefix.
const TWIRP_PATH = /\/twirp\/([A-Za-z0-9_.]+)\/([A-Za-z0-9_]+)$/;

/** Parses the service and method of a Twirp URL path (query string already removed). */
export function parseTwirpPath(path: string): { service: string; method: string } | undefined {
  const match = TWIRP_PATH.exec(path);
  if (!match) return undefined;
  return { service: match[1]!, method: match[2]! };
}

function pathOf(url: string): string {
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}

/**
 * The HTTP server span (named `<METHOD> <route pattern>`) and, for Twirp routes, a child span
 * `<package.Service>/<Method>` (rpc.system=twirp), continuing a W3C `traceparent` from the client.
 * Hooks, handlers and everything they call run with the innermost span active, so store, model and
 * tool spans nest under it. Manual spans on purpose: ESM auto-instrumentation needs loader hooks.
 * Register it before the auth and rate-limit plugins so their work is inside the request span.
 */
const tracingPluginCallback: FastifyPluginCallback = (app, _options, done) => {
  const tracer = hostTracer();

  app.addHook('onRequest', (request, _reply, next) => {
    // Without a provider every span would be a no-op; the other hooks find no spans and pass through.
    if (!tracingActive()) {
      next();
      return;
    }
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.routeOptions.url;
    const path = pathOf(request.url);
    const server = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': path,
          'url.scheme': request.protocol,
          'client.address': request.socket.remoteAddress ?? '',
          ...(route ? { 'http.route': route } : {}),
          ...(request.headers['user-agent'] ? { 'user_agent.original': request.headers['user-agent'] } : {}),
        },
      },
      parent,
    );
    let active = trace.setSpan(parent, server);
    const twirp = parseTwirpPath(path);
    let rpc: Span | undefined;
    if (twirp) {
      rpc = tracer.startSpan(
        `${twirp.service}/${twirp.method}`,
        { kind: SpanKind.INTERNAL, attributes: { 'rpc.system': 'twirp', 'rpc.service': twirp.service, 'rpc.method': twirp.method } },
        active,
      );
      active = trace.setSpan(active, rpc);
    }
    spansByRequest.set(request, { server, rpc, context: active });
    context.with(active, next);
  });

  // The body is read on socket events, which lose the async context; re-enter it before validation
  // and handlers so everything downstream sees the request's spans.
  const reenter = (request: FastifyRequest, next: () => void) => {
    const spans = spansByRequest.get(request);
    if (spans) context.with(spans.context, next);
    else next();
  };
  app.addHook('preValidation', (request, _reply, next) => reenter(request, next));
  app.addHook('preHandler', (request, _reply, next) => reenter(request, next));

  app.addHook('onError', (request, _reply, error, next) => {
    const spans = spansByRequest.get(request);
    if (spans) markSpanFailed(spans.rpc ?? spans.server, error);
    next();
  });

  app.addHook('onResponse', (request, reply, next) => {
    const spans = spansByRequest.get(request);
    if (spans) {
      spansByRequest.delete(request);
      const status = reply.statusCode;
      spans.server.setAttribute('http.response.status_code', status);
      if (status >= 500) {
        spans.server.setStatus({ code: SpanStatusCode.ERROR });
        spans.rpc?.setStatus({ code: SpanStatusCode.ERROR });
      }
      spans.rpc?.end();
      spans.server.end();
    }
    next();
  });

  app.addHook('onRequestAbort', (request, next) => {
    const spans = spansByRequest.get(request);
    if (spans) {
      spansByRequest.delete(request);
      spans.server.setAttribute('error.type', 'client_aborted');
      spans.rpc?.end();
      spans.server.end();
    }
    next();
  });

  done();
};

/** Fastify plugin: per-request server and Twirp spans with W3C context propagation. */
export const tracingPlugin = fastifyPlugin(tracingPluginCallback, { name: 'acai-tracing', fastify: '5.x' });
