import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { HostConfig } from '../config/env-config.js';
import { answerWhileClosing } from '../health/index.js';
import { answerTransportError, answerUnknownRoutes, twirpServerOptions } from '../rpc/index.js';
import { RequestLogController } from './request-log-controller.js';

/**
 * The listening socket's accept queue. Node's default (511) overflows when a burst of new connections
 * meets a loop that is busy for a few hundred milliseconds (bench:capacity at 2× capacity: 430 overflows
 * in 5 s), and Linux then drops the client's handshake ACK: the client believes it is connected, sends its
 * request, and waits 1–7 s for the SYN-ACK retransmissions before the host ever sees it — too late for
 * admission control to refuse it fast. The kernel caps this at net.core.somaxconn (4096 by default).
 */
export const LISTEN_BACKLOG = 4096;

/** The Fastify instance every edge registers on; it is built here and never listens (main.ts does). */
export function createHttpServer(config: HostConfig, logger: Logger): FastifyInstance {
  const server = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new RequestLogController(),
    ...twirpServerOptions(),
    bodyLimit: config.server.maxBodyBytes,
    // The transport answers deadline_exceeded at requestDeadlineMs; the socket must outlive it.
    requestTimeout: config.server.requestDeadlineMs + 15_000,
    connectionTimeout: 0,
    keepAliveTimeout: 72_000,
    // The client address is resolved by the auth plugin's ClientIpResolver, from ACAI_TRUSTED_PROXIES only.
    trustProxy: false,
    // Fastify's own 503 while closing has no Twirp code; answerWhileClosing sends a Twirp error instead.
    return503OnClosing: false,
  });
  // The first onRequest hook: a closing host refuses before tracing, auth or any route work.
  answerWhileClosing(server);
  // Routes outside Twirp and /mcp (which set their own) answer errors in the host's shape too: an
  // oversized, malformed or mistyped body on the Telegram webhook or sign-in gets a Twirp code, never Fastify's body.
  server.setErrorHandler(answerTransportError(config.server.maxBodyBytes, 'request'));
  answerUnknownRoutes(server);
  return server;
}
