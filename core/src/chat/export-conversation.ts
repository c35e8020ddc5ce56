import { invalidArgument } from '../errors/index.js';
import type { Conversation, StoredMessage, ToolCallRecord } from '../storage/conversation-store.js';
import type { CallerContext } from './caller-context.js';
import type { ChatStepDeps } from './chat-deps.js';
import type { ConversationExport, ExportConversationInput, ExportFormat } from './chat-use-cases.js';
import { loadConversation } from './conversation-queries.js';
import { requireConversationId } from './conversation-id.js';

/** The `format` of a JSON export; a reader checks it before trusting the rest. */
export const CONVERSATION_EXPORT_FORMAT = 'acai.conversation-export/v1';

const EXPORT_FORMATS: ReadonlySet<string> = new Set<ExportFormat>(['json', 'markdown']);

/**
 * ExportConversation: the whole conversation (every message, tool call, structured result and image)
 * as a JSON document for programs, or as Markdown for people (images named, not embedded).
 */
export async function exportConversation(deps: Pick<ChatStepDeps, 'store' | 'clock'>, caller: CallerContext, input: ExportConversationInput): Promise<ConversationExport> {
  const conversationId = requireConversationId(input.conversationId);
  if (!EXPORT_FORMATS.has(input.format)) throw invalidArgument('format', 'format must be json or markdown');
  const conversation = await loadConversation(deps, caller, conversationId);
  const exportedAt = deps.clock.now();
  if (input.format === 'json') {
    return {
      fileName: `acai-conversation-${conversation.id}.json`,
      contentType: 'application/json',
      content: `${JSON.stringify(toExportDocument(conversation, exportedAt), null, 2)}\n`,
    };
  }
  return { fileName: `acai-conversation-${conversation.id}.md`, contentType: 'text/markdown; charset=utf-8', content: toMarkdown(conversation, exportedAt) };
}

/** The JSON export: snake_case like the API; a tool's structured result as JSON rather than text. */
function toExportDocument(conversation: Conversation, exportedAt: Date) {
  return {
    format: CONVERSATION_EXPORT_FORMAT,
    exported_at: exportedAt.toISOString(),
    conversation: {
      id: conversation.id,
      title: conversation.title,
      created_at: conversation.createdAt.toISOString(),
      updated_at: conversation.updatedAt.toISOString(),
      ...(conversation.session ? { session: { platform: conversation.session.platform, user_id: conversation.session.userId, chat_id: conversation.session.chatId } } : {}),
      messages: conversation.messages.map((message) => ({
        id: message.id,
        role: message.role,
        content: message.content,
        created_at: message.createdAt.toISOString(),
        ...(message.usage ? { usage: { prompt_tokens: message.usage.promptTokens, completion_tokens: message.usage.completionTokens } } : {}),
        ...(message.toolCalls && message.toolCalls.length > 0 ? { tool_calls: message.toolCalls.map(toExportToolCall) } : {}),
      })),
    },
  };
}

function toExportToolCall(call: ToolCallRecord) {
  return {
    id: call.id,
    name: call.name,
    ...(call.plugin === undefined ? {} : { plugin: call.plugin, plugin_version: call.pluginVersion ?? '' }),
    arguments: call.arguments,
    outcome: call.outcome,
    duration_ms: call.durationMs,
    result: call.result,
    ...(call.data === undefined ? {} : { data: parseStoredJson(call.data) }),
    ...(call.images && call.images.length > 0 ? { images: call.images.map((image) => ({ mime_type: image.mimeType, data: image.data })) } : {}),
  };
}

// Stored data is JSON the host wrote; should it ever not parse, the text is exported as it is.
function parseStoredJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toMarkdown(conversation: Conversation, exportedAt: Date): string {
  const lines = [
    `# ${oneLine(conversation.title)}`,
    '',
    `Exported from Acai on ${formatTime(exportedAt)} · conversation \`${conversation.id}\` · started ${formatTime(conversation.createdAt)}`,
    '',
  ];
  for (const message of conversation.messages) lines.push(...messageMarkdown(message));
  return `${lines.join('\n').trimEnd()}\n`;
}

function messageMarkdown(message: StoredMessage): string[] {
  const author = message.role === 'user' ? 'You' : 'Assistant';
  const usage = message.usage ? ` · ${message.usage.promptTokens} tokens in, ${message.usage.completionTokens} out` : '';
  const lines = [`## ${author} · ${formatTime(message.createdAt)}${usage}`, ''];
  for (const call of message.toolCalls ?? []) lines.push(...toolCallMarkdown(call));
  lines.push(message.content, '');
  return lines;
}

function toolCallMarkdown(call: ToolCallRecord): string[] {
  const plugin = call.plugin === undefined ? '' : ` (${call.plugin}@${call.pluginVersion ?? '?'})`;
  const lines = [`> Tool call \`${call.name}\`${plugin}: ${call.outcome}, ${call.durationMs} ms`, '', 'Arguments:', '', ...fenced(call.arguments, 'json'), 'Result:', '', ...fenced(call.result, '')];
  if (call.data !== undefined) lines.push('Structured result:', '', ...fenced(call.data, 'json'));
  for (const image of call.images ?? []) lines.push(`- Image: ${image.mimeType}, ${Math.floor((image.data.length * 3) / 4)} bytes (included in the JSON export)`, '');
  return lines;
}

/** A code block whose fence is longer than any backtick run inside, so tool output cannot close it early. */
function fenced(text: string, language: string): string[] {
  const longestRun = Math.max(0, ...Array.from(text.matchAll(/`+/g), (match) => match[0].length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return [`${fence}${language}`, text, fence, ''];
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim() || 'Untitled conversation';
}

function formatTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');
}
