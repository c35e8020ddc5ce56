import {
  create,
  fromBinary,
  fromJson,
  toBinary,
  toJson,
  type DescMessage,
  type JsonValue,
  type MessageInitShape,
  type MessageShape,
} from '@bufbuild/protobuf';
import { TwirpError } from '../errors/index.js';
import type { TwirpEncoding } from './twirp-content-type.js';

// fatal: invalid UTF-8 is a malformed request, as in Go's decoder; ignoreBOM keeps a BOM in the
// text so JSON.parse rejects it, as Go's decoder does.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** What a body the decoder cannot read is answered with, per encoding (Go's exact words). */
export const MALFORMED_MESSAGE: Readonly<Record<TwirpEncoding, string>> = {
  json: 'the json request could not be decoded',
  protobuf: 'the protobuf request could not be decoded',
};

/**
 * Decodes a request body into a message. JSON follows Go's `protojson` with `DiscardUnknown`:
 * both proto and lowerCamelCase names are accepted, unknown fields and enum names ignored.
 * Every failure (bad UTF-8, bad JSON, a non-object, a wrong field type, truncated or invalid
 * protobuf) becomes `malformed` with Go's exact message; the parser's detail is kept as `cause`
 * for the logs only.
 */
export function decodeTwirpRequest<Schema extends DescMessage>(
  schema: Schema,
  encoding: TwirpEncoding,
  body: Uint8Array,
): MessageShape<Schema> {
  try {
    if (encoding === 'protobuf') return fromBinary(schema, body);
    const json: unknown = JSON.parse(strictUtf8.decode(body));
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new TypeError(`expected a JSON object, got ${Array.isArray(json) ? 'an array' : typeof json}`);
    }
    return fromJson(schema, json as JsonValue, { ignoreUnknownFields: true });
  } catch (error) {
    throw new MalformedRequestError(MALFORMED_MESSAGE[encoding], error);
  }
}

/** A `malformed` Twirp error that keeps the decoder's complaint for the logs. */
export class MalformedRequestError extends TwirpError {
  readonly decodeError: unknown;

  constructor(message: string, decodeError: unknown) {
    super('malformed', message);
    this.decodeError = decodeError;
  }
}

/**
 * Encodes a handler's result. JSON matches the Go server with `WithServerJSONSkipDefaults`:
 * proto field names, defaults omitted, enums by name, RFC 3339 timestamps.
 */
export function encodeTwirpResponse<Schema extends DescMessage>(
  schema: Schema,
  encoding: TwirpEncoding,
  init: MessageInitShape<Schema>,
): Buffer {
  const message = create(schema, init);
  // Bytes, not a string, so Fastify sends the Content-Type as given (no "; charset=utf-8").
  if (encoding === 'json') return Buffer.from(JSON.stringify(toJson(schema, message, { useProtoFieldName: true })));
  const bytes = toBinary(schema, message);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
