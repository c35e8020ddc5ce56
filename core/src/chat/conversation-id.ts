import { HostError, invalidArgument } from '../errors/index.js';
import { isObjectIdHex } from '../storage/object-id.js';

/**
 * The answer to an id that cannot name a conversation. The old Go service answered `not_found`
 * ("invalid conversation ID") rather than `invalid_argument`, and its clients (the CLI, the Telegram
 * bot, anything built on the old proto) treat `not_found` as "forget this id"; an id that can never
 * exist is exactly that. The id itself is not echoed: it is the client's arbitrary text.
 */
function malformedConversationId(): HostError {
  return new HostError('HOST_CONVERSATION_NOT_FOUND', 'invalid conversation ID');
}

/**
 * A conversation id from a client, checked once for every use case that takes one (Describe, Continue,
 * the stream, and any RPC added later): 24 hexadecimal characters, answered in the stores' lower-case
 * form. Anything else — too short or long, whitespace, non-ASCII, an injection attempt — is
 * HOST_CONVERSATION_NOT_FOUND, the same code as an id no conversation has.
 */
export function parseConversationId(raw: string): string {
  // The length test first: a hostile megabyte is refused without being lower-cased.
  if (raw.length !== 24 || !isObjectIdHex(raw)) throw malformedConversationId();
  return raw.toLowerCase();
}

/**
 * {@link parseConversationId} for a request whose whole subject is the conversation: an empty id (what
 * proto3 sends when the field is left out) is a missing argument, as it was in the old service.
 */
export function requireConversationId(raw: string): string {
  if (raw === '') throw invalidArgument('conversation_id', 'conversation_id is required');
  return parseConversationId(raw);
}
