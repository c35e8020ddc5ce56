import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';

export const MAIN_HELP = `Usage: acai <command> [options]

Commands:
  serve                      start the host
  chat                       chat with the assistant (interactive, or one shot with -m)
  conversations list|search|show|rename|delete|export
                             list, find, print, rename, delete or export conversations
  plugin create|add|upgrade|remove|enable|disable|list|validate|test|keygen|sign|verify|trust|clear-override|reset-breaker|reload
                             scaffold, install, upgrade, check, test and sign plugins; operate a running host's
  tools list|call            list tools or call one through the host's call path
  mcp                        serve the plugins' tools to MCP clients over stdio
  keys create|list|revoke    manage API keys (MongoDB or the embedded store)
  audit                      read the host's audit trail (who did what, when, from where)
  telegram                   run the Telegram bot (long polling), or register its webhook

Run \`acai <command> --help\` for a command's options and examples. Failures print one line
(\`acai: …\`) and exit 1, or 2 for a usage mistake; ACAI_DEBUG=1 adds the stack trace.
Colours and spinners appear only on a terminal (and never with NO_COLOR).

Examples:
  acai serve --port 8080
  acai chat -m "What's the date 90 days after 2026-03-01?"
  acai plugin create my-tool
  acai tools call datetime__get_current_time --args '{"time_zone":"Europe/Madrid"}'
  acai keys create --tenant acme --scopes chat
`;

type Command = (args: readonly string[], io: CliIo) => Promise<number>;

// Commands load on use, so `acai chat` starts without importing the host, its stores or grammY.
const COMMANDS: Readonly<Record<string, Command>> = {
  serve: async (args, io) => (await import('./commands/serve-command.js')).runServeCommand(args, io),
  chat: async (args, io) => (await import('./commands/chat-command.js')).runChatCommand(args, io),
  conversations: async (args, io) => (await import('./commands/conversations-command.js')).runConversationsCommand(args, io),
  plugin: async (args, io) => (await import('./commands/plugin-command.js')).runPluginCommand(args, io),
  tools: async (args, io) => (await import('./commands/tools-command.js')).runToolsCommand(args, io),
  mcp: async (args, io) => (await import('./commands/mcp-command.js')).runMcpCommand(args, io),
  keys: async (args, io) => (await import('./commands/keys-command.js')).runKeysCommand(args, io),
  audit: async (args, io) => (await import('./commands/audit-command.js')).runAuditCommand(args, io),
  telegram: async (args, io) => (await import('./commands/telegram-command.js')).runTelegramCommand(args, io),
};

/**
 * Runs the `acai` command line and returns the exit code. Failures become one line on stderr:
 * `acai: <message>`; exit 2 for usage errors, 1 otherwise. Never prints a stack trace unless
 * ACAI_DEBUG is set.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    const { readFile } = await import('node:fs/promises');
    const packageJson = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    io.stdout.write(`${packageJson.version}\n`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    io.stderr.write(`acai: unknown command "${name.slice(0, 60)}" (see \`acai --help\`)\n`);
    return 2;
  }
  try {
    return await command(args, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`acai: ${message.split('\n')[0]}\n`);
    if (io.env.ACAI_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return CliError.isInstance(error) ? error.exitCode : 1;
  }
}
