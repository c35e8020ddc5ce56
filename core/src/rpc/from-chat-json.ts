import type { ContinueConversationInput, ListConversationsInput, SessionMetadataInput, StartConversationInput } from '../chat/index.js';
import { MALFORMED_MESSAGE, MalformedRequestError } from './twirp-codec.js';

// In-process requests (the wire's JSON shapes, as objects) read into use-case inputs the way the Twirp
// JSON decoder reads a body: a missing or null field is its default, a field of the wrong type makes the
// request `malformed`, unknown fields are ignored. Whatever a caller passes — typed or not — fails the
// same way a remote client's body would.

export function startInputFromJson(request: unknown): StartConversationInput {
  const fields = requestFields(request);
  return { message: stringField(fields, 'message'), session: sessionField(fields) };
}

/** ContinueConversation and ContinueChatStream share their request's shape. */
export function continueInputFromJson(request: unknown): ContinueConversationInput {
  const fields = requestFields(request);
  return { conversationId: stringField(fields, 'conversation_id'), message: stringField(fields, 'message'), session: sessionField(fields) };
}

export function listInputFromJson(request: unknown): ListConversationsInput {
  const fields = requestFields(request);
  return { pageSize: uint32Field(fields, 'page_size'), pageToken: stringField(fields, 'page_token') };
}

export function describeInputFromJson(request: unknown): { readonly conversationId: string } {
  return { conversationId: stringField(requestFields(request), 'conversation_id') };
}

type Fields = Readonly<Record<string, unknown>>;

function requestFields(request: unknown): Fields {
  if (!isObject(request)) throw malformed(`expected an object, got ${Array.isArray(request) ? 'an array' : request === null ? 'null' : typeof request}`);
  return request;
}

function sessionField(fields: Fields): SessionMetadataInput | undefined {
  const session = fields.session_metadata;
  if (session === undefined || session === null) return undefined;
  if (!isObject(session)) throw malformed('session_metadata: expected an object');
  const field = (name: string) => stringField(session, name, 'session_metadata.');
  return { platform: field('platform'), userId: field('user_id'), chatId: field('chat_id') };
}

function stringField(fields: Fields, name: string, path = ''): string {
  const value = fields[name];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw malformed(`${path}${name}: expected a string`);
  return value;
}

function uint32Field(fields: Fields, name: string): number {
  const value = fields[name];
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw malformed(`${name}: expected a uint32`);
  return value;
}

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(detail: string): MalformedRequestError {
  return new MalformedRequestError(MALFORMED_MESSAGE.json, new TypeError(detail));
}
