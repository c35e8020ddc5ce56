import type { Conversation, ToolCallRecord } from '../client/index.js';
import type { Style } from './cli-io.js';
import { formatTable } from './format-table.js';

/** `weather__get_forecast (ok, 120 ms)` for each call, comma-separated. */
export function formatToolCalls(toolCalls: readonly ToolCallRecord[] | undefined): string | undefined {
  if (!toolCalls || toolCalls.length === 0) return undefined;
  return toolCalls
    .map((call) => `${call.name ?? '?'} (${call.outcome ?? 'ok'}${call.duration_ms !== undefined ? `, ${call.duration_ms} ms` : ''})`)
    .join(', ');
}

function formatTime(timestamp: string | undefined): string {
  if (!timestamp) return '';
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? timestamp : date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** The table `acai conversations list` and `/list` print. */
export function formatConversationList(conversations: readonly Conversation[]): string {
  if (conversations.length === 0) return 'No conversations yet. Start one with `acai chat`.\n';
  return formatTable(
    ['ID', 'UPDATED', 'TITLE'],
    conversations.map((conversation) => [conversation.id ?? '', formatTime(conversation.timestamp), conversation.title ?? '']),
  );
}

/** One conversation with its messages, as `acai conversations show` and `/show` print it. */
export function formatConversation(conversation: Conversation, style: Style): string {
  const lines = [
    `${style.bold(conversation.title ?? 'Untitled conversation')}`,
    `ID:      ${conversation.id ?? ''}`,
    `Updated: ${formatTime(conversation.timestamp)}`,
    '',
  ];
  for (const message of conversation.messages ?? []) {
    const role = message.role === 'USER' ? 'you' : message.role === 'ASSISTANT' ? 'acai' : 'unknown';
    lines.push(`${style.bold(role)} ${style.dim(formatTime(message.timestamp))}`);
    lines.push(message.content ?? '');
    const tools = formatToolCalls(message.tool_calls);
    if (tools) lines.push(style.dim(`  tools: ${tools}`));
    lines.push('');
  }
  return lines.join('\n');
}
