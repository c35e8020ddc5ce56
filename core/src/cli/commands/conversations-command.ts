import { CONNECTION_HELP, CONNECTION_OPTIONS, connectChat } from '../host-connection.js';
import { usageError } from '../cli-error.js';
import { createStyle, type CliIo } from '../cli-io.js';
import { describeClientError } from '../describe-client-error.js';
import { formatConversation, formatConversationList } from '../format-conversation.js';
import { parseCommandArgs } from '../parse-command-args.js';

export const CONVERSATIONS_HELP = `Usage: acai conversations list [options]
       acai conversations show <id> [options]

List conversations (most recently updated first) or print one with its messages and tool calls.

Options:
      --json               print the raw response as JSON (for scripts)
      --limit <n>          list: at most n conversations (default: the server's page size)
      --page-token <token> list: the next_page_token of a previous page
${CONNECTION_HELP}

Examples:
  acai conversations list
  acai conversations list --limit 5 --json
  acai conversations show 6744a1f0c2b8e51d2f0a9b3c
`;

export async function runConversationsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('conversations', args, {
    ...CONNECTION_OPTIONS,
    json: { type: 'boolean' },
    limit: { type: 'string' },
    'page-token': { type: 'string' },
  });
  const [subcommand, ...rest] = positionals;
  if (values.help || subcommand === undefined || subcommand === 'help') {
    io.stdout.write(CONVERSATIONS_HELP);
    return values.help || subcommand === 'help' ? 0 : 2;
  }
  const { chat, url } = connectChat(io, values);
  const style = createStyle(io);

  if (subcommand === 'list') {
    if (rest.length > 0) throw usageError(`unexpected argument "${rest[0]}"`, 'conversations');
    let pageSize: number | undefined;
    if (values.limit !== undefined) {
      pageSize = Number(values.limit);
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
        throw usageError(`--limit must be an integer from 1 to 100, got "${values.limit}"`, 'conversations');
      }
    }
    try {
      const response = await chat.listConversations({
        ...(pageSize !== undefined ? { page_size: pageSize } : {}),
        ...(values['page-token'] ? { page_token: values['page-token'] } : {}),
      });
      if (values.json) {
        io.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
      } else {
        io.stdout.write(formatConversationList(response.conversations ?? []));
        if (response.next_page_token) {
          io.stdout.write(style.dim(`more: acai conversations list --page-token ${response.next_page_token}`) + '\n');
        }
      }
      return 0;
    } catch (error) {
      throw describeClientError(error, url);
    }
  }

  if (subcommand === 'show') {
    const [id, extra] = rest;
    if (id === undefined) throw usageError('missing the conversation id', 'conversations');
    if (extra !== undefined) throw usageError(`unexpected argument "${extra}"`, 'conversations');
    try {
      const response = await chat.describeConversation({ conversation_id: id });
      io.stdout.write(
        values.json ? `${JSON.stringify(response, null, 2)}\n` : formatConversation(response.conversation ?? { id }, style),
      );
      return 0;
    } catch (error) {
      throw describeClientError(error, url);
    }
  }

  throw usageError(`unknown subcommand "${subcommand}"`, 'conversations');
}
