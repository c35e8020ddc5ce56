import { createInterface } from 'node:readline';
import { TwirpClientError, type ChatApi, type ContinueConversationResponse, type StartConversationResponse } from '../../client/index.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectChat } from '../host-connection.js';
import { usageError } from '../cli-error.js';
import { createStyle, type CliIo, type Style } from '../cli-io.js';
import { describeClientError } from '../describe-client-error.js';
import { formatConversation, formatConversationList } from '../format-conversation.js';
import { lastConversationPath, readLastConversation, writeLastConversation } from '../last-conversation.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { withSpinner } from '../spinner.js';
import { TurnPrinter } from '../turn-printer.js';

export const CHAT_HELP = `Usage: acai chat [options]

Chat with the assistant. The reply streams in as the model writes it, with a line
when a tool call starts (→) and when it finishes (← ok, ✗ otherwise). Without -m it is
interactive: type a message and press Enter. In the session: /new starts a fresh
conversation, /list lists conversations, /show [id] prints one (default: the current
one), /help, /exit (or Ctrl-D). Hosts without streaming (older versions) are used
through the non-streaming RPCs.

Options:
  -m, --message <text>  send one message, stream the reply to stdout (tool calls to
                        stderr) and exit
      --json            with -m: print the final message (ids, reply, title, tool
                        calls with results) as one JSON document
  -c, --continue        resume the last conversation used by \`acai chat\`
      --local           no server: run the chat service in this process, configured
                        from the environment like \`acai serve\` (model, store, plugins)
${CONNECTION_HELP}

Examples:
  acai chat
  acai chat -m "What's the weather in Lisbon tomorrow?"
  acai chat --continue -m "And the day after?"
  acai chat -m "hi" --json | jq .conversation_id
  acai chat --local -m "What are the digits of 2026?"   # try a plugin without a server
  ACAI_URL=https://acai.example.com ACAI_API_KEY=… acai chat
`;

const SESSION_HELP = `/new          start a fresh conversation
/list         list conversations
/show [id]    show a conversation (default: the current one)
/help         this help
/exit         leave (Ctrl-D works too)
`;

/** What a finished turn leaves for the command: where it went, and the document `--json` prints. */
interface Turn {
  readonly conversationId: string;
  readonly isNew: boolean;
  readonly title: string | undefined;
  readonly document: object;
}

/** Whether the host has ContinueChatStream; an older one answers bad_route and the session stops asking. */
interface HostSupport {
  canStream: boolean;
}

/**
 * Sends one message, showing the turn as it streams. A host without the streaming route (bad_route
 * before any event) gets the unary RPCs instead, shown through the same printer.
 */
async function sendTurn(chat: ChatApi, conversationId: string | undefined, message: string, printer: TurnPrinter, support: HostSupport): Promise<Turn> {
  try {
    if (support.canStream) {
      let hasEvents = false;
      try {
        const request = conversationId === undefined ? { message } : { conversation_id: conversationId, message };
        let opened: { conversation_id: string; is_new: boolean } | undefined;
        for await (const event of chat.continueChatStream(request)) {
          hasEvents = true;
          printer.show(event);
          if (event.event === 'conversation') opened = event.data;
          if (event.event === 'message') {
            return { conversationId: event.data.conversation_id, isNew: opened?.is_new ?? false, title: event.data.title, document: event.data };
          }
        }
      } catch (error) {
        if (hasEvents || !(TwirpClientError.isInstance(error) && error.code === 'bad_route')) throw error;
        support.canStream = false;
      }
    }
    return await sendUnaryTurn(chat, conversationId, message, printer);
  } catch (error) {
    printer.abandon();
    throw error;
  }
}

async function sendUnaryTurn(chat: ChatApi, conversationId: string | undefined, message: string, printer: TurnPrinter): Promise<Turn> {
  let response: StartConversationResponse | ContinueConversationResponse;
  let title: string | undefined;
  if (conversationId === undefined) {
    const started = await chat.startConversation({ message });
    ({ title } = started);
    response = started;
  } else {
    response = await chat.continueConversation({ conversation_id: conversationId, message });
  }
  const id = response.conversation_id ?? conversationId ?? '';
  for (const call of response.tool_calls ?? []) {
    const provenance = { id: call.id ?? '', name: call.name ?? '?', plugin: call.plugin ?? '', plugin_version: call.plugin_version ?? '' };
    printer.show({ event: 'tool_call_started', data: { ...provenance, arguments: call.arguments ?? '' } });
    printer.show({ event: 'tool_call_finished', data: { ...provenance, outcome: call.outcome ?? 'ok', result: call.result ?? '', duration_ms: call.duration_ms ?? 0 } });
  }
  printer.show({ event: 'message', data: { conversation_id: id, message_id: '', reply: response.reply ?? '', tool_calls: response.tool_calls ?? [] } });
  return { conversationId: id, isNew: conversationId === undefined, title, document: response };
}

export async function runChatCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('chat', args, {
    ...CONNECTION_OPTIONS,
    message: { type: 'string', short: 'm' },
    json: { type: 'boolean' },
    continue: { type: 'boolean', short: 'c' },
    local: { type: 'boolean' },
  });
  if (values.help) {
    io.stdout.write(CHAT_HELP);
    return 0;
  }
  if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]}"; quote the message and pass it with -m`, 'chat');
  if (values.json && values.message === undefined) throw usageError('--json needs -m', 'chat');

  if (values.local && (values.url !== undefined || values['api-key'] !== undefined)) throw usageError('--local runs the chat service in this process; it takes no --url or --api-key', 'chat');
  // Loaded on use: a chat with a server never imports the host.
  const local = values.local
    ? await Promise.all([import('../in-process-chat.js'), import('../cli-logger.js')]).then(([{ startInProcessChat }, { createCliLogger }]) => startInProcessChat(io, undefined, createCliLogger(io, undefined)))
    : undefined;
  try {
    return await chatWith(io, values, local === undefined ? connectChat(io, values) : { chat: local.chat, url: local.description });
  } finally {
    await local?.close();
  }
}

async function chatWith(io: CliIo, values: { message?: string | undefined; json?: boolean | undefined; continue?: boolean | undefined }, { chat, url }: { chat: ChatApi; url: string }): Promise<number> {
  const style = createStyle(io);
  const statePath = lastConversationPath(io.env);
  let conversationId = values.continue ? await readLastConversation(statePath) : undefined;
  if (values.continue && conversationId === undefined) {
    io.stderr.write('acai: no previous conversation to continue; starting a new one\n');
  }

  if (values.message !== undefined) {
    if (values.message.trim() === '') throw usageError('the message is empty', 'chat');
    // The reply streams to stdout; tool calls go to stderr so stdout stays the reply for scripts.
    const printer = new TurnPrinter({ text: io.stdout, progress: io.stderr, style, replyPrefix: '', isQuiet: values.json === true });
    let turn: Turn;
    try {
      turn = await sendTurn(chat, conversationId, values.message, printer, { canStream: true });
    } catch (error) {
      throw describeClientError(error, url);
    }
    if (turn.conversationId) await writeLastConversation(statePath, turn.conversationId);
    if (values.json) io.stdout.write(`${JSON.stringify(turn.document, null, 2)}\n`);
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
  const support: HostSupport = { canStream: true };
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
      const printer = new TurnPrinter({ text: io.stdout, progress: io.stdout, style, replyPrefix: `${style.green('acai>')} ` });
      const turn = await sendTurn(chat, conversationId, line, printer, support);
      conversationId = turn.conversationId;
      if (conversationId) await writeLastConversation(statePath, conversationId);
      if (turn.isNew && conversationId) {
        io.stdout.write(style.dim(`(new conversation ${conversationId}${turn.title ? `: ${turn.title}` : ''})`) + '\n');
      }
    } catch (error) {
      reportError(error);
    }
    prompt();
  }
  return 0;
}

