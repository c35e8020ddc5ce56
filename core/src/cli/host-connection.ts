import { createTwirpAdminClient, createTwirpChatClient, type ChatApi, type PluginAdminApi } from '../client/index.js';
import type { ConfigDrift, PluginInfo } from '../client/index.js';
import type { CliIo } from './cli-io.js';
import { describeClientError } from './describe-client-error.js';

/** Flags every command that talks to a running host accepts. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
} as const;

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export const CONNECTION_HELP = `Connection:
      --url <url>          host URL (env ACAI_URL, default ${DEFAULT_URL})
      --api-key <key>      API key sent as a bearer token (env ACAI_API_KEY)`;

type ConnectionValues = { url?: string | undefined; 'api-key'?: string | undefined };

function connection(io: CliIo, values: ConnectionValues): { url: string; apiKey: string | undefined } {
  const url = values.url ?? (io.env.ACAI_URL || DEFAULT_URL);
  const apiKey = values['api-key'] ?? (io.env.ACAI_API_KEY || undefined);
  return { url, apiKey };
}

/** A chat client from --url/--api-key, falling back to ACAI_URL/ACAI_API_KEY. */
export function connectChat(io: CliIo, values: ConnectionValues): { chat: ChatApi; url: string } {
  const { url, apiKey } = connection(io, values);
  return { chat: createTwirpChatClient({ url, ...(apiKey ? { apiKey } : {}) }), url };
}

/** A plugin admin client from --url/--api-key (the key needs the `admin` scope). */
export function connectAdmin(io: CliIo, values: ConnectionValues): { admin: PluginAdminApi; url: string } {
  const { url, apiKey } = connection(io, values);
  return { admin: createTwirpAdminClient({ url, timeoutMs: 60_000, ...(apiKey ? { apiKey } : {}) }), url };
}

/** The plugins a running host reports through its admin API (and its config drift); failures become one-line CLI errors. */
export async function listHostPlugins(io: CliIo, values: ConnectionValues): Promise<{ plugins: PluginInfo[]; drift: ConfigDrift | undefined; url: string }> {
  const { admin, url } = connectAdmin(io, values);
  try {
    const listing = await admin.listPlugins();
    return { plugins: listing.plugins ?? [], drift: listing.drift, url };
  } catch (error) {
    throw describeClientError(error, url);
  }
}
