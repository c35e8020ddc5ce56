/** The two encodings Twirp speaks. */
export type TwirpEncoding = 'json' | 'protobuf';

/**
 * Reads a request Content-Type the way the Go server does: parameters after `;` are ignored,
 * surrounding space trimmed, case folded. Anything but the two Twirp types is `undefined`.
 */
export function readTwirpEncoding(contentType: string | undefined): TwirpEncoding | undefined {
  if (contentType === undefined) return undefined;
  const separator = contentType.indexOf(';');
  const mediaType = (separator === -1 ? contentType : contentType.slice(0, separator)).trim().toLowerCase();
  if (mediaType === 'application/json') return 'json';
  if (mediaType === 'application/protobuf') return 'protobuf';
  return undefined;
}

/** The response Content-Type for an encoding (responses always use the request's encoding). */
export function twirpContentType(encoding: TwirpEncoding): string {
  return encoding === 'json' ? 'application/json' : 'application/protobuf';
}
