// Between Fastify and the SDK's Web-standard Streamable HTTP transport, which takes a Request and
// answers a Response.
import type { FastifyRequest } from 'fastify';

/** The Fastify request as the Web-standard Request the SDK's transport reads (the body, if any, goes as parsedBody). */
export function toWebRequest(request: FastifyRequest): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return new Request(new URL(request.url, 'http://acai.invalid'), { method: request.method, headers });
}

/**
 * Node sends response headers with the first body chunk, and the notification stream may stay silent
 * for a long time: a leading SSE comment lets the client see the stream is open at once.
 */
export function flushingEventStream(response: Response): Response {
  if (response.body === null || !response.headers.get('content-type')?.includes('text/event-stream')) return response;
  const reader = response.body.getReader();
  const opened = new TextEncoder().encode(': stream open\n\n');
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(opened);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}
