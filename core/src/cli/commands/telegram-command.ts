import type { Logger } from 'pino';
import { TENANT_ID_PATTERN } from '../../auth/index.js';
import type { ChatApi } from '../../client/index.js';
import { CliError, usageError } from '../cli-error.js';
import { createStyle, shutdownSignalOf, type CliIo } from '../cli-io.js';
import { createCliLogger } from '../cli-logger.js';
import { CONNECTION_OPTIONS, connectAdmin, connectChat } from '../host-connection.js';
import { parseCommandArgs } from '../parse-command-args.js';

export const TELEGRAM_HELP = `Usage: acai telegram [options]
       acai telegram set-webhook <public-url> [options]
       acai telegram delete-webhook [options]

Run the Telegram bot with long polling (no public URL needed). Each chat — and each user in
groups — is its own conversation (session {platform: "telegram", user_id, chat_id}); /new starts a
fresh one, /start lists the enabled tools, /help explains. Stops cleanly on Ctrl-C / SIGTERM.

Without --url the bot runs the host's chat service in this process, configured from the same
environment as \`acai serve\` (MONGODB_URL, REDIS_URL, OPENAI_*, PLUGINS_CONFIG, ...). With --url it
talks to a running host over Twirp (its API key needs the "chat" scope; with "admin" too, /start
lists the host's tools).

Webhook mode instead: set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET for \`acai serve\`, which
then serves POST /telegram/webhook, and register its public URL once with \`set-webhook\`.

Options:
      --token <token>      bot token from @BotFather (env TELEGRAM_BOT_TOKEN)
      --api-root <url>     Bot API server (env TELEGRAM_API_ROOT, default https://api.telegram.org)
      --secret <token>     set-webhook: the secret token (env TELEGRAM_WEBHOOK_SECRET)
      --tenant <tenant>    in-process: tenant the conversations belong to (default "default")
      --log-level <level>  log lines on stderr (default info)
      --url <url>          talk to this running host instead of running the chat service here
      --api-key <key>      API key for --url (env ACAI_API_KEY)

Examples:
  TELEGRAM_BOT_TOKEN=123456:ABC… OPENAI_API_KEY=sk-… OPENAI_MODEL=gpt-4o-mini acai telegram
  acai telegram --url https://acai.example.com --api-key "$ACAI_API_KEY"
  TELEGRAM_WEBHOOK_SECRET=s3cret-token acai telegram set-webhook https://acai.example.com
`;

export async function runTelegramCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('telegram', args, {
    ...CONNECTION_OPTIONS,
    token: { type: 'string' },
    'api-root': { type: 'string' },
    secret: { type: 'string' },
    tenant: { type: 'string' },
    'log-level': { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(TELEGRAM_HELP);
    return 0;
  }
  const [subcommand, ...rest] = positionals;
  const token = values.token ?? (io.env.TELEGRAM_BOT_TOKEN?.trim() || undefined);
  if (token === undefined) throw usageError('no bot token: pass --token or set TELEGRAM_BOT_TOKEN (from @BotFather)', 'telegram');
  if (!/^\d+:[A-Za-z0-9_-]+$/.test(token)) throw usageError('the bot token does not look like one from @BotFather (<digits>:<letters>)', 'telegram');
  const apiRoot = values['api-root'] ?? (io.env.TELEGRAM_API_ROOT?.trim() || undefined);
  if (apiRoot !== undefined && !/^https?:\/\/[^\s]+$/.test(apiRoot)) throw usageError(`--api-root must be an http(s) URL, got "${apiRoot.slice(0, 60)}"`, 'telegram');
  const logger = createCliLogger(io, values['log-level'] ?? 'info');

  if (subcommand === 'set-webhook' || subcommand === 'delete-webhook') {
    return manageWebhook(io, subcommand, rest, { token, apiRoot, secret: values.secret ?? (io.env.TELEGRAM_WEBHOOK_SECRET?.trim() || undefined) });
  }
  if (subcommand !== undefined) throw usageError(`unknown subcommand "${subcommand}"`, 'telegram');
  if (values.tenant !== undefined && !TENANT_ID_PATTERN.test(values.tenant)) throw usageError('--tenant must be 1-64 letters, digits, "_", "." or "-"', 'telegram');
  if (values.tenant !== undefined && values.url !== undefined) throw usageError('--tenant is for the in-process mode; over --url the API key decides the tenant', 'telegram');

  const [{ createTelegramBot }, { HttpError }] = await Promise.all([import('../../telegram/index.js'), import('grammy')]);
  const backend = values.url !== undefined ? remoteBackend(io, values, logger) : await inProcessBackend(io, values.tenant, logger);
  const telegram = createTelegramBot({
    token,
    chat: backend.chat,
    listTools: backend.listTools,
    ...(apiRoot ? { apiRoot: apiRoot.replace(/\/+$/, '') } : {}),
    logger,
  });
  const shutdown = shutdownSignalOf(io);
  const botApi = `the Telegram Bot API${apiRoot ? ` at ${apiRoot}` : ''}`;
  try {
    // One attempt first, so an outage is reported; init then retries with backoff until Telegram
    // answers or the user stops (a refused token fails at once).
    await telegram.bot.api.getMe().catch((error: unknown) => {
      if (!(error instanceof HttpError)) throw error;
      logger.warn({ err: error.message }, `cannot reach ${botApi} yet; retrying until it answers (Ctrl-C to stop)`);
    });
    await telegram.init(shutdown);
  } catch (error) {
    await backend.close();
    if (shutdown.aborted) throw new CliError(`stopped before ${botApi} answered (check the network and --api-root)`);
    throw new CliError(`${botApi} refused the bot: ${error instanceof Error ? error.message : String(error)} (check the token)`);
  }
  const style = createStyle(io);
  const polling = telegram.start({
    onStart: (botInfo) => io.stderr.write(`${style.green('acai telegram')}: polling as @${botInfo.username} (${backend.description}); Ctrl-C to stop\n`),
  });
  const stopped = new Promise<void>((resolve) => {
    if (shutdown.aborted) resolve();
    else shutdown.addEventListener('abort', () => resolve(), { once: true });
  });
  let pollingError: unknown;
  await Promise.race([stopped, polling.catch((error: unknown) => (pollingError = error ?? new Error('polling stopped')))]);
  await telegram.stop();
  await polling.catch(() => undefined);
  await backend.close();
  if (pollingError !== undefined) {
    throw new CliError(`polling stopped: ${pollingError instanceof Error ? pollingError.message : String(pollingError)}`);
  }
  return 0;
}

interface ChatBackend {
  readonly chat: ChatApi;
  readonly listTools: () => Promise<readonly { name: string; description: string }[]> | readonly { name: string; description: string }[];
  readonly description: string;
  close(): Promise<void>;
}

function remoteBackend(io: CliIo, values: { url?: string | undefined; 'api-key'?: string | undefined }, logger: Logger): ChatBackend {
  const { chat, url } = connectChat(io, values);
  const { admin } = connectAdmin(io, values);
  let hasWarned = false;
  return {
    chat,
    description: `chat service at ${url}`,
    // The tool list lives behind the admin API; a chat-only key just gets a greeting without it.
    listTools: async () => {
      try {
        const { plugins } = await admin.listPlugins();
        return (plugins ?? [])
          .filter((plugin) => plugin.state === 'ACTIVE')
          .flatMap((plugin) => (plugin.tools ?? []).map((tool) => ({ name: tool.exposed_name ?? '', description: (tool.description ?? '').split('\n')[0] ?? '' })));
      } catch (error) {
        if (!hasWarned) logger.warn({ err: error }, 'cannot list the host tools for /start (the API key needs the "admin" scope)');
        hasWarned = true;
        return [];
      }
    },
    close: async () => undefined,
  };
}

async function inProcessBackend(io: CliIo, tenant: string | undefined, logger: Logger): Promise<ChatBackend> {
  const [{ startInProcessChat }, { summarizeTools }] = await Promise.all([import('../in-process-chat.js'), import('../../telegram/index.js')]);
  const { chat, app, description, close } = await startInProcessChat(io, tenant, logger);
  return { chat, listTools: () => summarizeTools(app.pluginHost), description, close };
}

async function manageWebhook(
  io: CliIo,
  subcommand: 'set-webhook' | 'delete-webhook',
  rest: readonly string[],
  options: { token: string; apiRoot: string | undefined; secret: string | undefined },
): Promise<number> {
  const { Api } = await import('grammy');
  const { TELEGRAM_SECRET_TOKEN_PATTERN, TELEGRAM_WEBHOOK_PATH } = await import('../../telegram/index.js');
  const api = new Api(options.token, options.apiRoot ? { apiRoot: options.apiRoot.replace(/\/+$/, '') } : undefined);
  const style = createStyle(io);
  try {
    if (subcommand === 'delete-webhook') {
      if (rest.length > 0) throw usageError(`unexpected argument "${rest[0]}"`, 'telegram');
      await api.deleteWebhook();
      io.stdout.write(`${style.green('Deleted')} the webhook; the bot can poll again (acai telegram)\n`);
      return 0;
    }
    const [base, extra] = rest;
    if (base === undefined) throw usageError('missing the public URL of the host, e.g. https://acai.example.com', 'telegram');
    if (extra !== undefined) throw usageError(`unexpected argument "${extra}"`, 'telegram');
    let target: URL;
    try {
      target = new URL(base);
    } catch {
      throw usageError(`"${base.slice(0, 80)}" is not a URL`, 'telegram');
    }
    if (target.protocol !== 'https:' && options.apiRoot === undefined) throw usageError('Telegram only delivers webhooks to https:// URLs', 'telegram');
    if (options.secret === undefined) throw usageError('no secret: pass --secret or set TELEGRAM_WEBHOOK_SECRET (the host checks it on every delivery)', 'telegram');
    if (!TELEGRAM_SECRET_TOKEN_PATTERN.test(options.secret)) throw usageError('the secret must be 1–256 characters of A-Z, a-z, 0-9, _ and -', 'telegram');
    if (!target.pathname.endsWith(TELEGRAM_WEBHOOK_PATH)) target.pathname = `${target.pathname.replace(/\/+$/, '')}${TELEGRAM_WEBHOOK_PATH}`;
    await api.setWebhook(target.toString(), { secret_token: options.secret });
    io.stdout.write(`${style.green('Webhook set')}: Telegram delivers updates to ${target.toString()}\n`);
    return 0;
  } catch (error) {
    if (CliError.isInstance(error)) throw error;
    throw new CliError(`Telegram refused ${subcommand}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
