import { HostError, invalidArgument } from '../errors/index.js';
import type { ModelClient } from '../llm/index.js';
import type { SessionIdentity } from '../storage/conversation-store.js';
import { isObjectIdHex } from '../storage/object-id.js';
import type { SessionMetadataInput } from './chat-use-cases.js';

const MAX_SESSION_FIELD_LENGTH = 256;
/** Longest title a user may give a conversation, in characters (grapheme clusters). */
export const MAX_CONVERSATION_TITLE_CHARACTERS = 200;
/** Longest search query, in characters. */
export const MAX_SEARCH_QUERY_CHARACTERS = 200;

// Control characters have no place in a one-line text; bidirectional overrides and isolates would let
// a title display as something other than what it is (and are what spoofed file names use).
const CONTROL_CHARACTERS = /\p{Cc}/u;
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/u;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** A user message must have text and fit the byte limit (checked before any I/O). */
export function validateMessage(message: string, maxMessageBytes: number): void {
  if (message.trim() === '') throw invalidArgument('message', 'message is required');
  const bytes = Buffer.byteLength(message, 'utf8');
  if (bytes > maxMessageBytes) {
    throw invalidArgument('message', `message is too long: ${bytes} bytes, the limit is ${maxMessageBytes}`);
  }
}

/** A conversation title a user chose: whitespace collapsed to single spaces, trimmed, then checked. */
export function validateTitle(title: string): string {
  const normalized = title.replace(/\s+/gu, ' ').trim();
  if (normalized === '') throw invalidArgument('title', 'title is required');
  if (CONTROL_CHARACTERS.test(normalized) || BIDI_CONTROLS.test(normalized)) {
    throw invalidArgument('title', 'title must not contain control or bidirectional-override characters');
  }
  if (countGraphemes(normalized, MAX_CONVERSATION_TITLE_CHARACTERS + 1) > MAX_CONVERSATION_TITLE_CHARACTERS) {
    throw invalidArgument('title', `title is too long: the limit is ${MAX_CONVERSATION_TITLE_CHARACTERS} characters`);
  }
  return normalized;
}

/** A search query: trimmed; '' means no search. Plain text only — it is never used as a pattern. */
export function validateSearchQuery(query: string): string {
  const trimmed = query.trim();
  if (trimmed.length > MAX_SEARCH_QUERY_CHARACTERS * 4 || countGraphemes(trimmed, MAX_SEARCH_QUERY_CHARACTERS + 1) > MAX_SEARCH_QUERY_CHARACTERS) {
    throw invalidArgument('query', `query is too long: the limit is ${MAX_SEARCH_QUERY_CHARACTERS} characters`);
  }
  if (CONTROL_CHARACTERS.test(trimmed)) throw invalidArgument('query', 'query must not contain control characters');
  return trimmed;
}

/** The id of a stored message (24 hexadecimal characters, like conversation ids), in the stores' lower-case form. */
export function validateMessageId(messageId: string): string {
  if (messageId === '') throw invalidArgument('message_id', 'message_id is required');
  if (messageId.length !== 24 || !isObjectIdHex(messageId)) throw invalidArgument('message_id', 'invalid message ID: expected 24 hexadecimal characters');
  return messageId.toLowerCase();
}

// Counts at most `limit` grapheme clusters (a huge input stops being counted once it is known to be too long).
function countGraphemes(text: string, limit: number): number {
  let count = 0;
  for (const _segment of graphemes.segment(text)) {
    count += 1;
    if (count >= limit) break;
  }
  return count;
}

/** Session metadata with every field present (trimmed) and bounded. */
export function validateSession(input: SessionMetadataInput): SessionIdentity {
  const platform = input.platform?.trim() ?? '';
  const userId = input.userId?.trim() ?? '';
  const chatId = input.chatId?.trim() ?? '';
  const missing = [
    ...(platform === '' ? ['platform'] : []),
    ...(userId === '' ? ['user_id'] : []),
    ...(chatId === '' ? ['chat_id'] : []),
  ];
  if (missing.length > 0) {
    throw invalidArgument('session_metadata', `session_metadata is incomplete: ${missing.join(', ')} required`);
  }
  if ([platform, userId, chatId].some((value) => value.length > MAX_SESSION_FIELD_LENGTH)) {
    throw invalidArgument('session_metadata', `session_metadata fields are limited to ${MAX_SESSION_FIELD_LENGTH} characters`);
  }
  return { platform, userId, chatId };
}

/** A turn needs a model; without one the request fails before anything is looked up or stored. */
export function requireConfiguredModel(model: Pick<ModelClient, 'isConfigured'>): void {
  if (!model.isConfigured) {
    throw new HostError(
      'HOST_MODEL_NOT_CONFIGURED',
      'no model endpoint is configured: set OPENAI_MODEL and OPENAI_API_KEY (or OPENAI_BASE_URL for a local OpenAI-compatible server)',
    );
  }
}
