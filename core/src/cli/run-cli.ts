import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { runChatCommand } from './commands/chat-command.js';
import { runConversationsCommand } from './commands/conversations-command.js';
import { runPluginCommand } from './commands/plugin-command.js';
import { runServeCommand } from './commands/serve-command.js';
import { runTelegramCommand } from './commands/telegram-command.js';
import { runToolsCommand } from './commands/tools-command.js';

export const MAIN_HELP = `Usage: acai <command> [options]

Commands:
  serve                      start the host
  chat                       chat with the assistant (interactive, or one shot with -m)
  conversations list|show    list conversations or print one
  plugin create|add|enable|disable|list|validate|test
                             scaffold, configure, check and test plugins
  tools list|call            list tools or call one through the host's call path
  telegram                   run the Telegram bot (long polling)

Run \`acai <command> --help\` for a command's options and examples.

Examples:
  acai serve --port 8080
  acai chat -m "What's the date 90 days after 2026-03-01?"
  acai plugin create my-tool
  acai tools call datetime__get_current_time --args '{"timeZone":"Europe/Madrid"}'
`;

type Command = (args: readonly string[], io: CliIo) => Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = {
  serve: runServeCommand,
  chat: runChatCommand,
  conversations: runConversationsCommand,
  plugin: runPluginCommand,
  tools: runToolsCommand,
  telegram: runTelegramCommand,
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
  const command = COMMANDS[name];
  if (command === undefined) {
    io.stderr.write(`acai: unknown command "${name}" (see \`acai --help\`)\n`);
    return 2;
  }
  try {
    return await command(args, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`acai: ${message.split('\n')[0]}\n`);
    if (io.env.ACAI_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
