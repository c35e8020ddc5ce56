import { createInterface } from 'node:readline';
import type { ChatApi, ToolCallRecord } from '../../client/index.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectChat } from '../host-connection.js';
import { usageError } from '../cli-error.js';
import { createStyle, type CliIo, type Style } from '../cli-io.js';
import { describeClientError } from '../describe-client-error.js';
import { formatConversation, formatConversationList, formatToolCalls } from '../format-conversation.js';
import { lastConversationPath, readLastConversation, writeLastConversation } from '../last-conversation.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { withSpinner } from '../spinner.js';

export const CHAT_HELP = `Usage: acai chat [options]

Chat with the assistant. Without -m it is interactive: type a message and press Enter.
In the session: /new starts a fresh conversation, /list lists conversations,
/show [id] prints one (default: the current one), /help, /exit (or Ctrl-D).

Options:
  -m, --message <text>  send one message, print the reply and exit
      --json            with -m: print the full response as JSON
  -c, --continue        resume the last conversation used by \`acai chat\`
${CONNECTION_HELP}

Examples:
  acai chat
  acai chat -m "What's the weather in Lisbon tomorrow?"
  acai chat --continue -m "And the day after?"
  acai chat -m "hi" --json | jq .conversation_id
  ACAI_URL=https://acai.example.com ACAI_API_KEY=… acai chat
`;

const SESSION_HELP = `/new          start a fresh conversation
/list         list conversations
/show [id]    show a conversation (default: the current one)
/help         this help
/exit         leave (Ctrl-D works too)
`;

interface Turn {
  conversationId: string | undefined;
  title: string | undefined;
  isNew: boolean;
  reply: string;
  toolCalls: ToolCallRecord[] | undefined;
  response: object;
}

async function sendTurn(chat: ChatApi, conversationId: string | undefined, message: string): Promise<Turn> {
  if (conversationId === undefined) {
    const response = await chat.startConversation({ message });
    return {
      conversationId: response.conversation_id,
      title: response.title,
      isNew: true,
      reply: response.reply ?? '',
      toolCalls: response.tool_calls,
      response,
    };
  }
  const response = await chat.continueConversation({ conversation_id: conversationId, message });
  return {
    conversationId: response.conversation_id ?? conversationId,
    title: undefined,
    isNew: false,
    reply: response.reply ?? '',
    toolCalls: response.tool_calls,
    response,
  };
}

export async function runChatCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('chat', args, {
    ...CONNECTION_OPTIONS,
    message: { type: 'string', short: 'm' },
    json: { type: 'boolean' },
    continue: { type: 'boolean', short: 'c' },
  });
  if (values.help) {
    io.stdout.write(CHAT_HELP);
    return 0;
  }
  if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]}"; quote the message and pass it with -m`, 'chat');
  if (values.json && values.message === undefined) throw usageError('--json needs -m', 'chat');

  const { chat, url } = connectChat(io, values);
  const style = createStyle(io);
  const statePath = lastConversationPath(io.env);
  let conversationId = values.continue ? await readLastConversation(statePath) : undefined;
  if (values.continue && conversationId === undefined) {
    io.stderr.write('acai: no previous conversation to continue; starting a new one\n');
  }

  if (values.message !== undefined) {
    if (values.message.trim() === '') throw usageError('the message is empty', 'chat');
    let turn: Turn;
    try {
      turn = await withSpinner(io.stdout, style, 'thinking…', () => sendTurn(chat, conversationId, values.message!));
    } catch (error) {
      throw describeClientError(error, url);
    }
    if (turn.conversationId) await writeLastConversation(statePath, turn.conversationId);
    io.stdout.write(values.json ? `${JSON.stringify(turn.response, null, 2)}\n` : `${turn.reply}\n`);
    return 0;
  }

  return interactiveSession(io, style, chat, url, conversationId, statePath);
}

async function interactiveSession(
  io: CliIo,
  style: Style,
  chat: ChatApi,
  url: string,
  initialConversationId: string | undefined,
  statePath: string,
): Promise<number> {
  let conversationId = initialConversationId;
  const isInteractive = io.stdin.isTTY === true;
  const prompt = () => {
    if (isInteractive) io.stdout.write(style.bold('you> '));
  };
  io.stdout.write(
    style.dim(
      `Connected to ${url}. ${conversationId ? `Continuing conversation ${conversationId}.` : 'New conversation.'} Type /help for commands, /exit to leave.`,
    ) + '\n',
  );
  const reportError = (error: unknown) => io.stderr.write(`error: ${describeClientError(error, url).message}\n`);

  const lines = createInterface({ input: io.stdin, terminal: false, crlfDelay: Infinity });
  prompt();
  for await (const rawLine of lines) {
    const line = rawLine.trim();
    if (line === '') {
      prompt();
      continue;
    }
    if (line.startsWith('/')) {
      const [command, ...rest] = line.split(/\s+/);
      const argument = rest.join(' ');
      switch (command) {
        case '/exit':
        case '/quit':
          lines.close();
          return 0;
        case '/help':
          io.stdout.write(SESSION_HELP);
          break;
        case '/new':
          conversationId = undefined;
          io.stdout.write('Started a fresh conversation; your next message opens it.\n');
          break;
        case '/list':
          try {
            const response = await withSpinner(io.stdout, style, 'loading…', () => chat.listConversations({}));
            io.stdout.write(formatConversationList(response.conversations ?? []));
          } catch (error) {
            reportError(error);
          }
          break;
        case '/show': {
          const id = argument || conversationId;
          if (!id) {
            io.stderr.write('error: no current conversation; use /show <id>\n');
            break;
          }
          try {
            const response = await withSpinner(io.stdout, style, 'loading…', () =>
              chat.describeConversation({ conversation_id: id }),
            );
            io.stdout.write(formatConversation(response.conversation ?? { id }, style));
          } catch (error) {
            reportError(error);
          }
          break;
        }
        default:
          io.stderr.write(`error: unknown command ${command}; type /help\n`);
      }
      prompt();
      continue;
    }
    try {
      const turn = await withSpinner(io.stdout, style, 'thinking…', () => sendTurn(chat, conversationId, line));
      conversationId = turn.conversationId;
      if (conversationId) await writeLastConversation(statePath, conversationId);
      if (turn.isNew && conversationId) {
        io.stdout.write(style.dim(`(conversation ${conversationId}${turn.title ? `: ${turn.title}` : ''})`) + '\n');
      }
      io.stdout.write(`${style.green('acai>')} ${turn.reply}\n`);
      const tools = formatToolCalls(turn.toolCalls);
      if (tools) io.stdout.write(style.dim(`  tools: ${tools}`) + '\n');
    } catch (error) {
      reportError(error);
    }
    prompt();
  }
  return 0;
}

