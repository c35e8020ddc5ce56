import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ChatApi, ListConversationsResponse } from '../../client/index.js';
import { CliError, usageError } from '../cli-error.js';
import { createStyle, type CliIo, type Style } from '../cli-io.js';
import { confirmOnTerminal } from '../confirm-on-terminal.js';
import { describeClientError } from '../describe-client-error.js';
import { formatConversation, formatConversationList } from '../format-conversation.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectChat } from '../host-connection.js';
import { parseCommandArgs } from '../parse-command-args.js';

export const CONVERSATIONS_HELP = `Usage: acai conversations list [--all | --limit <n> --page-token <token>] [options]
       acai conversations search <text…> [--limit <n>] [--page-token <token>] [options]
       acai conversations show <id> [options]
       acai conversations rename <id> <title…> [options]
       acai conversations delete <id> [--yes] [options]
       acai conversations export <id> [--format json|markdown] [--output <file> [--force]] [options]

List (most recently updated first, a page at a time; --all: every one, newest created first),
search titles and message text, print, rename, delete or export your conversations.

Options:
      --json               print the raw response as JSON (for scripts)
      --limit <n>          list, search: at most n conversations (default 20, at most 100)
      --page-token <token> list, search: the next_page_token of a previous page
      --all                list: every conversation (up to 1000), newest created first
  -y, --yes                delete: do not ask for confirmation (needed when stdin is not a terminal)
      --format <format>    export: json (default) or markdown
  -o, --output <file>      export: write to this file instead of stdout
      --force              export: overwrite --output if it exists
${CONNECTION_HELP}

Examples:
  acai conversations list
  acai conversations list --limit 5 --json
  acai conversations search lisbon
  acai conversations show 6744a1f0c2b8e51d2f0a9b3c
  acai conversations rename 6744a1f0c2b8e51d2f0a9b3c Trip to Lisbon
  acai conversations delete 6744a1f0c2b8e51d2f0a9b3c --yes
  acai conversations export 6744a1f0c2b8e51d2f0a9b3c --format markdown -o trip.md
`;

const DEFAULT_LIMIT = 20;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  json: { type: 'boolean' },
  limit: { type: 'string' },
  'page-token': { type: 'string' },
  all: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  force: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

/** What a subcommand gets: the connected client and what the user typed. */
interface Subcommand {
  readonly chat: ChatApi;
  readonly url: string;
  readonly io: CliIo;
  readonly style: Style;
  readonly values: Values;
  readonly rest: readonly string[];
}

const SUBCOMMANDS: Readonly<Record<string, (command: Subcommand) => Promise<number>>> = {
  list: listConversations,
  search: searchConversations,
  show: showConversation,
  rename: renameConversation,
  delete: deleteConversation,
  export: exportConversation,
};

export async function runConversationsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('conversations', args, OPTIONS);
  const [name, ...rest] = positionals;
  if (values.help || name === undefined || name === 'help') {
    io.stdout.write(CONVERSATIONS_HELP);
    return values.help || name === 'help' ? 0 : 2;
  }
  const run = Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
  if (run === undefined) throw usageError(`unknown subcommand "${name.slice(0, 40)}"`, 'conversations');
  const { chat, url } = connectChat(io, values);
  return run({ chat, url, io, style: createStyle(io), values, rest });
}

async function listConversations({ chat, url, io, style, values, rest }: Subcommand): Promise<number> {
  if (rest.length > 0) throw usageError(`unexpected argument "${rest[0]}"`, 'conversations');
  if (values.all && (values.limit !== undefined || values['page-token'] !== undefined)) {
    throw usageError('--all lists everything at once; leave out --limit and --page-token', 'conversations');
  }
  // An empty request is the old clients' "everything, newest created first"; otherwise a page.
  const request = values.all ? {} : { page_size: limitOf(values), ...pageTokenOf(values) };
  const response = await call(url, () => chat.listConversations(request));
  printList(io, style, values, response, (token) => `acai conversations list --page-token ${token}`);
  return 0;
}

async function searchConversations({ chat, url, io, style, values, rest }: Subcommand): Promise<number> {
  const query = rest.join(' ').trim();
  if (query === '') throw usageError('missing the text to search for', 'conversations');
  const response = await call(url, () => chat.listConversations({ query, page_size: limitOf(values), ...pageTokenOf(values) }));
  // A search examines a bounded number of conversations per call: an empty page may still have a next one.
  printList(io, style, values, response, (token) => `acai conversations search ${shellWord(query)} --page-token ${token}`);
  return 0;
}

async function showConversation({ chat, url, io, style, values, rest }: Subcommand): Promise<number> {
  const id = conversationIdOf(rest, 1);
  const response = await call(url, () => chat.describeConversation({ conversation_id: id }));
  io.stdout.write(values.json ? `${JSON.stringify(response, null, 2)}\n` : formatConversation(response.conversation ?? { id }, style));
  return 0;
}

async function renameConversation({ chat, url, io, values, rest }: Subcommand): Promise<number> {
  const [id, ...words] = rest;
  if (id === undefined) throw usageError('missing the conversation id', 'conversations');
  const title = words.join(' ');
  if (title.trim() === '') throw usageError('missing the new title', 'conversations');
  const response = await call(url, () => chat.renameConversation({ conversation_id: id, title }));
  io.stdout.write(values.json ? `${JSON.stringify(response, null, 2)}\n` : `Renamed ${id} to "${response.conversation?.title ?? title}".\n`);
  return 0;
}

async function deleteConversation({ chat, url, io, values, rest }: Subcommand): Promise<number> {
  const id = conversationIdOf(rest, 1);
  if (values.yes !== true) {
    if (io.stdin.isTTY !== true) throw usageError('refusing to delete without --yes when stdin is not a terminal', 'conversations');
    const { conversation } = await call(url, () => chat.describeConversation({ conversation_id: id }));
    const question = `Delete "${conversation?.title ?? id}" (${conversation?.messages?.length ?? 0} messages)? This cannot be undone. [y/N] `;
    if (!(await confirmOnTerminal(io, question))) {
      io.stderr.write('Nothing deleted.\n');
      return 1;
    }
  }
  await call(url, () => chat.deleteConversation({ conversation_id: id }));
  io.stdout.write(values.json ? '{}\n' : `Deleted ${id}.\n`);
  return 0;
}

async function exportConversation({ chat, url, io, values, rest }: Subcommand): Promise<number> {
  const id = conversationIdOf(rest, 1);
  const format = values.format ?? 'json';
  if (format !== 'json' && format !== 'markdown') throw usageError(`--format must be json or markdown, got "${format.slice(0, 40)}"`, 'conversations');
  if (values.force && values.output === undefined) throw usageError('--force only goes with --output', 'conversations');
  const exported = await call(url, () => chat.exportConversation({ conversation_id: id, format: format === 'json' ? 'EXPORT_FORMAT_JSON' : 'EXPORT_FORMAT_MARKDOWN' }));
  const content = exported.content ?? '';
  if (values.output === undefined) {
    io.stdout.write(content);
    return 0;
  }
  const path = resolve(io.cwd, values.output);
  try {
    // 'wx' fails when the file exists: an export never replaces a file unless asked to.
    await writeFile(path, content, { flag: values.force ? 'w' : 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === 'EEXIST' ? `${values.output} exists; pass --force to overwrite it` : `cannot write ${values.output}: ${code ?? 'unknown error'}`);
  }
  io.stderr.write(`Wrote ${values.output} (${Buffer.byteLength(content)} bytes).\n`);
  return 0;
}

function printList(io: CliIo, style: Style, values: Values, response: ListConversationsResponse, nextCommand: (token: string) => string): void {
  if (values.json) {
    io.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
    return;
  }
  io.stdout.write(formatConversationList(response.conversations ?? []));
  if (response.next_page_token) io.stdout.write(`${style.dim(`more: ${nextCommand(response.next_page_token)}`)}\n`);
}

function limitOf(values: Values): number {
  if (values.limit === undefined) return DEFAULT_LIMIT;
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw usageError(`--limit must be an integer from 1 to 100, got "${values.limit.slice(0, 40)}"`, 'conversations');
  return limit;
}

function pageTokenOf(values: Values): { page_token?: string } {
  return values['page-token'] ? { page_token: values['page-token'] } : {};
}

function conversationIdOf(rest: readonly string[], expected: number): string {
  const [id, extra] = rest;
  if (id === undefined) throw usageError('missing the conversation id', 'conversations');
  if (rest.length > expected) throw usageError(`unexpected argument "${String(extra).slice(0, 40)}"`, 'conversations');
  return id;
}

async function call<T>(url: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw describeClientError(error, url);
  }
}

/** The query as one shell word for the "more:" hint (single-quoted unless it is plain). */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
