import { HostError, invalidArgument } from '../errors/index.js';
import type { ModelClient } from '../llm/index.js';
import type { SessionIdentity } from '../storage/conversation-store.js';
import type { SessionMetadataInput } from './chat-use-cases.js';

const MAX_SESSION_FIELD_LENGTH = 256;

/** A user message must have text and fit the byte limit (checked before any I/O). */
export function validateMessage(message: string, maxMessageBytes: number): void {
  if (message.trim() === '') throw invalidArgument('message', 'message is required');
  const bytes = Buffer.byteLength(message, 'utf8');
  if (bytes > maxMessageBytes) {
    throw invalidArgument('message', `message is too long: ${bytes} bytes, the limit is ${maxMessageBytes}`);
  }
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
