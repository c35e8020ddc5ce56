import { createTwirpChatClient, type ChatApi } from '../client/index.js';
import type { CliIo } from './cli-io.js';

/** Flags every command that talks to a running host accepts. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
} as const;

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export const CONNECTION_HELP = `Connection:
  --url <url>          host URL (env ACAI_URL, default ${DEFAULT_URL})
  --api-key <key>      API key sent as a bearer token (env ACAI_API_KEY)`;

/** A chat client from --url/--api-key, falling back to ACAI_URL/ACAI_API_KEY. */
export function connectChat(
  io: CliIo,
  values: { url?: string | undefined; 'api-key'?: string | undefined },
): { chat: ChatApi; url: string } {
  const url = values.url ?? (io.env.ACAI_URL || DEFAULT_URL);
  const apiKey = values['api-key'] ?? (io.env.ACAI_API_KEY || undefined);
  return { chat: createTwirpChatClient({ url, ...(apiKey ? { apiKey } : {}) }), url };
}
