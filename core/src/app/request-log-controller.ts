import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * Fastify's request lines, one per request instead of two: the "incoming request" line is dropped and
 * the completion line carries the request (method, url, client) next to the status and response time.
 * Every request wrote both lines through pino (a child logger, serializers, a scrub, a write syscall
 * each); in bench:capacity that was the largest share of a chat turn's logging CPU. Errors, 404s and
 * stream failures are logged as before.
 */
export class RequestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error) {
      reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    } else {
      reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    }
  }
}
