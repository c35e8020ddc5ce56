import { TwirpClientError } from '../client/index.js';
import { escapeHtml } from './render-telegram-html.js';

/** A tool the bot advertises in /start. */
export interface TelegramToolSummary {
  readonly name: string;
  readonly description: string;
}

export const APOLOGY_UNAVAILABLE = "Sorry, I can't reach the assistant right now. Please try again in a minute.";
export const APOLOGY_GENERIC = 'Sorry, something went wrong while answering. Please try again.';
export const APOLOGY_REJECTED = "Sorry, I couldn't process that message. Try rephrasing it or send /new to start over.";

/** /help, and the tail of /start and of the unknown-command answer (Telegram HTML). */
export const HELP_TEXT = [
  'Send me a message and I will answer; I remember our conversation.',
  '',
  '/new — start a fresh conversation (or <code>/new your question</code>)',
  '/start — what I can do and which tools I have',
  '/help — this help',
].join('\n');

export const UNKNOWN_COMMAND_TEXT = `I don't know that command.\n\n${HELP_TEXT}`;
export const TEXT_ONLY_TEXT = 'I can only read text messages for now.';
export const FRESH_CONVERSATION_TEXT = 'Started a fresh conversation. What would you like to talk about?';
/** Sent when the model's reply renders to nothing: Telegram refuses empty messages. */
export const NO_ANSWER_HTML = '<i>(no answer)</i>';

/** The short apology for a failed turn: transient, refused input, or anything else. */
export function apologyFor(error: unknown): string {
  if (TwirpClientError.isInstance(error)) {
    if (error.isRetryable) return APOLOGY_UNAVAILABLE;
    if (error.code === 'invalid_argument' || error.code === 'out_of_range') return APOLOGY_REJECTED;
  }
  return APOLOGY_GENERIC;
}

/** The /start greeting: the user's first name and the tool list, escaped, then the help. */
export function startGreeting(firstName: string | undefined, tools: readonly TelegramToolSummary[]): string {
  const name = firstName ? `, ${escapeHtml(firstName)}` : '';
  const lines = [`<b>Hi${name}!</b> I'm Acai, an AI assistant. Ask me anything in plain words; I keep the context of our conversation.`];
  if (tools.length > 0) {
    lines.push('', 'I can use these tools:');
    for (const tool of tools) lines.push(`• <code>${escapeHtml(tool.name)}</code> — ${escapeHtml(tool.description)}`);
  }
  lines.push('', HELP_TEXT);
  return lines.join('\n');
}
