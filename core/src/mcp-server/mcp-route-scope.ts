import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyInstance } from 'fastify';
import type { McpHttpSessions } from './mcp-http-sessions.js';

/**
 * Sets up the encapsulated Fastify scope `/mcp` lives in, so none of it leaks to other routes: a body
 * parser that keeps the body as text (the JSON-RPC parse error is the route's to answer), an error handler
 * that answers in JSON-RPC form without internal detail, and the shutdown order — notification streams
 * end before the server drains (they would hold it open), sessions close last.
 */
export function configureMcpScope(scope: FastifyInstance, sessions: McpHttpSessions, bodyLimitBytes: number): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: bodyLimitBytes }, (_request, body, done) => done(null, body));
  scope.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'MCP request failed');
    const message = status === 413 ? `Payload Too Large: the body must not exceed ${bodyLimitBytes} bytes` : status === 500 ? 'Internal error' : `Bad Request: ${error.message}`;
    return reply.code(status).type('application/json').send({ jsonrpc: '2.0', error: { code: status === 500 ? ErrorCode.InternalError : -32000, message }, id: null });
  });
  scope.addHook('preClose', (done) => {
    sessions.drain();
    done();
  });
  scope.addHook('onClose', async () => sessions.closeAll('shutdown'));
}
