import { join } from 'node:path';
import { cliActor, createAuditTrail, type AuditEvent } from '../../audit/index.js';
import { API_KEY_SCOPES, createApiKey, isApiKeyScope, listApiKeys, revokeApiKey, type ApiKeyScope, type ApiKeySummary } from '../../auth/index.js';
import { loadHostConfig, type HostConfig } from '../../config/env-config.js';
import { HostError } from '../../errors/index.js';
import { MongoApiKeyStore, SqliteApiKeyStore, type ApiKeyStore } from '../../storage/api-keys/index.js';
import { openOperatorStores, operatorStoresLocation } from '../../storage/operator/index.js';
import { createCliLogger } from '../cli-logger.js';
import { CliError, usageError } from '../cli-error.js';
import { createStyle, type CliIo } from '../cli-io.js';
import { formatTable } from '../format-table.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { configErrorToCli } from '../plugins-config-file.js';

export const KEYS_HELP = `Usage: acai keys create --tenant <tenant> --scopes <scopes> [--label <text>] [--json]
       acai keys list [--tenant <tenant>] [--json]
       acai keys revoke <id>

Manage the API keys clients authenticate with, in the host's key store: MongoDB (collection
api_keys) when MONGODB_URL is set, else the embedded store (<ACAI_DATA_DIR>/keys.db). Run it with
the host's environment. Only a hash of each key is stored: \`create\` prints the key once.

Scopes: ${API_KEY_SCOPES.join(', ')} (chat: the chat API; admin: the plugin admin API; metrics: /metrics;
tools: the plugins' tools over MCP at /mcp).
A revoked key stops working within the host's key cache TTL (10 s) and stays listed for audit.
Creating and revoking are recorded in the host's audit log (\`acai audit\`) as done by the CLI (user@machine).

Options:
      --tenant <tenant>   create: the tenant the key acts for; list: only that tenant's keys
      --scopes <scopes>   create: comma-separated scopes, e.g. chat or chat,admin
      --label <text>      create: a note for operators (who or what uses the key)
      --json              print JSON (create: includes the key; list: every key without hashes)

Examples:
  acai keys create --tenant acme --scopes chat --label "acme web app"
  acai keys create --tenant ops --scopes admin,metrics --json | jq -r .key
  acai keys create --tenant acme --scopes tools --label "Claude Desktop via /mcp"
  acai keys list --tenant acme
  MONGODB_URL=mongodb://db:27017 acai keys revoke key_3kTq9ZcV0bXy7LmN
`;

const KEY_ID_PATTERN = /^key_[0-9A-Za-z]{1,64}$/;
const MAX_LABEL_LENGTH = 200;

/** The host's configuration, from the same environment (see buildApp). */
function readConfig(io: CliIo): HostConfig {
  try {
    return loadHostConfig(io.env, io.cwd);
  } catch (error) {
    throw configErrorToCli(error);
  }
}

/** The key store the host uses. */
function openKeyStore(config: HostConfig): ApiKeyStore {
  return config.mongodb.url
    ? new MongoApiKeyStore({ url: config.mongodb.url, database: config.mongodb.database })
    : new SqliteApiKeyStore(join(config.dataDir, 'keys.db'));
}

/**
 * Records a key change in the host's audit log, as the CLI's user@machine (there is no API key behind
 * this command). A store failure is reported on stderr by the trail's logger; the key change stands.
 */
async function recordKeyChange(config: HostConfig, io: CliIo, event: Omit<AuditEvent, 'actor' | 'clientAddress'>): Promise<void> {
  const stores = openOperatorStores(operatorStoresLocation({ mongodbUrl: config.mongodb.url, database: config.mongodb.database, dataDir: config.dataDir }));
  try {
    const actor = cliActor();
    await createAuditTrail({ store: stores.audit, logger: createCliLogger(io, 'error') }).record({ ...event, actor, clientAddress: actor.name ?? '' });
  } finally {
    await stores.close();
  }
}

function parseScopes(text: string | undefined): ApiKeyScope[] {
  if (text === undefined) throw usageError(`--scopes is required (${API_KEY_SCOPES.join(', ')})`, 'keys');
  const scopes = text.split(/[,+\s]+/).filter((scope) => scope !== '');
  const unknown = scopes.filter((scope) => !isApiKeyScope(scope));
  if (unknown.length > 0) throw usageError(`unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.map((scope) => `"${scope.slice(0, 30)}"`).join(', ')}; use ${API_KEY_SCOPES.join(', ')}`, 'keys');
  if (scopes.length === 0) throw usageError(`--scopes is empty; use ${API_KEY_SCOPES.join(', ')}`, 'keys');
  return [...new Set(scopes as ApiKeyScope[])];
}

function summaryJson(summary: ApiKeySummary) {
  return {
    id: summary.id,
    tenant_id: summary.tenantId,
    scopes: summary.scopes,
    label: summary.label,
    created_at: summary.createdAt.toISOString(),
    ...(summary.revokedAt ? { revoked_at: summary.revokedAt.toISOString() } : {}),
  };
}

// Store errors carry driver detail (hosts, stacks); the CLI shows one line that says what to check.
function storeFailure(error: unknown, store: ApiKeyStore): CliError {
  if (HostError.isInstance(error)) return new CliError(error.message, { exitCode: error.code === 'HOST_INVALID_ARGUMENT' ? 2 : 1, cause: error });
  const where = store.kind === 'mongodb' ? 'MongoDB (check MONGODB_URL and that the server is up)' : 'the embedded key store (check ACAI_DATA_DIR)';
  const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new CliError(`cannot use ${where}: ${detail}`, { cause: error });
}

export async function runKeysCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('keys', args, {
    tenant: { type: 'string' },
    scopes: { type: 'string' },
    label: { type: 'string' },
    json: { type: 'boolean' },
  });
  const [subcommand, ...rest] = positionals;
  if (values.help || subcommand === undefined || subcommand === 'help') {
    io.stdout.write(KEYS_HELP);
    return values.help || subcommand === 'help' ? 0 : 2;
  }
  if (!['create', 'list', 'revoke'].includes(subcommand)) throw usageError(`unknown subcommand "${subcommand}"`, 'keys');
  // Validate everything before touching the store.
  let scopes: ApiKeyScope[] = [];
  if (subcommand === 'create') {
    if (rest.length > 0) throw usageError(`unexpected argument "${rest[0]}"`, 'keys');
    if (values.tenant === undefined) throw usageError('--tenant is required', 'keys');
    scopes = parseScopes(values.scopes);
    if (values.label !== undefined && (values.label.length > MAX_LABEL_LENGTH || /[\u0000-\u001f\u007f]/.test(values.label))) {
      throw usageError(`--label must be one line of at most ${MAX_LABEL_LENGTH} characters`, 'keys');
    }
  } else if (subcommand === 'list') {
    if (rest.length > 0) throw usageError(`unexpected argument "${rest[0]}"`, 'keys');
  } else {
    if (rest[0] === undefined) throw usageError('missing the key id (see `acai keys list`)', 'keys');
    if (rest.length > 1) throw usageError(`unexpected argument "${rest[1]}"`, 'keys');
    if (!KEY_ID_PATTERN.test(rest[0])) throw usageError(`"${rest[0].slice(0, 40)}" is not a key id (they look like key_3kTq9ZcV0bXy7LmN; the key itself is never needed)`, 'keys');
  }

  const style = createStyle(io);
  const config = readConfig(io);
  const store = openKeyStore(config);
  try {
    if (subcommand === 'create') {
      const { key, summary } = await createApiKey(store, { tenantId: values.tenant!, scopes, ...(values.label !== undefined ? { label: values.label } : {}) }).catch((error: unknown) => {
        throw storeFailure(error, store);
      });
      await recordKeyChange(config, io, { action: 'api_key.create', tenantId: summary.tenantId, target: summary.id, outcome: 'ok', details: { scopes: summary.scopes, label: summary.label } });
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ key, ...summaryJson(summary) }, null, 2)}\n`);
      } else {
        io.stdout.write(
          `${style.green('Created')} ${summary.id} for tenant ${summary.tenantId} (scopes: ${summary.scopes.join(', ')}) in the ${store.kind === 'mongodb' ? 'MongoDB' : 'embedded'} key store\n` +
            `${key}\n` +
            style.dim('This is the only time the key is shown: store it now. Clients send it as "Authorization: Bearer <key>".') +
            '\n',
        );
      }
      return 0;
    }
    if (subcommand === 'list') {
      const keys = await listApiKeys(store, values.tenant !== undefined ? { tenantId: values.tenant } : {}).catch((error: unknown) => {
        throw storeFailure(error, store);
      });
      if (values.json) {
        io.stdout.write(`${JSON.stringify(keys.map(summaryJson), null, 2)}\n`);
        return 0;
      }
      io.stdout.write(
        keys.length === 0
          ? `No API keys${values.tenant !== undefined ? ` for tenant ${values.tenant}` : ''}. Create one with \`acai keys create\`.\n`
          : formatTable(
              ['ID', 'TENANT', 'SCOPES', 'CREATED', 'STATUS', 'LABEL'],
              keys.map((key) => [
                key.id,
                key.tenantId,
                key.scopes.join(','),
                key.createdAt.toISOString().replace(/\.\d+Z$/, 'Z'),
                key.revokedAt ? `revoked ${key.revokedAt.toISOString().replace(/\.\d+Z$/, 'Z')}` : 'active',
                key.label,
              ]),
            ),
      );
      return 0;
    }
    const id = rest[0]!;
    const revoked = (await listApiKeys(store).catch(() => [])).find((key) => key.id === id);
    const isRevoked = await revokeApiKey(store, id).catch((error: unknown) => {
      throw storeFailure(error, store);
    });
    await recordKeyChange(config, io, { action: 'api_key.revoke', tenantId: revoked?.tenantId ?? '', target: id, outcome: isRevoked ? 'ok' : 'unchanged' });
    if (!isRevoked) throw new CliError(`no active key ${id} (unknown or already revoked; see \`acai keys list\`)`);
    io.stdout.write(`${style.green('Revoked')} ${id}; hosts stop accepting it within 10 s\n`);
    return 0;
  } finally {
    await store.close();
  }
}
