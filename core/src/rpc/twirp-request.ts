import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { FastifyRequest } from 'fastify';
import { badRouteError } from './bad-route-error.js';
import { goQuote } from './go-quote.js';
import { decodeTwirpRequest } from './twirp-codec.js';
import { readTwirpEncoding, type TwirpEncoding } from './twirp-content-type.js';

// What every POST route in the Twirp scope (unary methods and server streams) does with its request.

/**
 * An `onRequest` hook: anything but a Twirp Content-Type is `bad_route`, checked before the body is
 * read, as in the Go server, so a wrong Content-Type never costs an upload.
 */
export async function requireTwirpContentType(request: FastifyRequest): Promise<void> {
  if (readTwirpEncoding(request.headers['content-type']) === undefined) {
    throw badRouteError(`unexpected Content-Type: ${goQuote(request.headers['content-type'] ?? '')}`, request.method, requestPath(request));
  }
}

/** The request's encoding, and its body (raw bytes from the scope's parser) decoded in it. */
export function readTwirpRequest<Schema extends DescMessage>(
  request: FastifyRequest,
  schema: Schema,
): { readonly encoding: TwirpEncoding; readonly input: MessageShape<Schema> } {
  const encoding = readTwirpEncoding(request.headers['content-type']) ?? 'json';
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  return { encoding, input: decodeTwirpRequest(schema, encoding, body) };
}

/** The path as Go's server reports URL.Path: no query string, percent-decoded. */
export function requestPath(request: FastifyRequest): string {
  const rawPath = request.url.split('?', 1)[0] ?? '';
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}
