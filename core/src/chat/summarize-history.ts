import { HostError } from '../errors/index.js';
import type { Conversation, ConversationSummary } from '../storage/conversation-store.js';
import type { IndexedMessage } from './build-model-context.js';
import type { CallerContext } from './caller-context.js';
import type { ChatStepDeps } from './chat-deps.js';
import { SUMMARY_PROMPT } from './system-prompts.js';

// Transcript sent for summarization is capped so one summary call stays cheap.
export const MAX_SUMMARY_INPUT_CHARACTERS = 48_000;

/**
 * Summarizes the turns that fell out of the context budget (folding in the summary so far), stores the
 * summary with the conversation so those turns are summarized only once, and returns it. Undefined when
 * the model gave nothing usable or failed: the turn then goes on with the trimmed history.
 */
export async function summarizeHistory(
  deps: Pick<ChatStepDeps, 'model' | 'store' | 'clock'>,
  caller: CallerContext,
  conversation: Conversation,
  dropped: readonly IndexedMessage[],
): Promise<ConversationSummary | undefined> {
  const last = dropped.at(-1);
  if (last === undefined) return undefined;
  try {
    const completion = await deps.model.complete(
      {
        purpose: 'summary',
        messages: [
          { role: 'system', content: SUMMARY_PROMPT },
          { role: 'user', content: summaryInput(conversation, dropped) },
        ],
      },
      { signal: caller.signal, deadline: caller.deadline },
    );
    const content = completion.content?.trim() ?? '';
    if (content === '') return undefined;
    const summary: ConversationSummary = { content, coversThroughIndex: last.index, createdAt: deps.clock.now() };
    await deps.store.setSummary(caller.tenantId, conversation.id, summary);
    return summary;
  } catch (error) {
    // Deadline and cancellation end the request; anything else only costs the summary (history is still trimmed).
    if (HostError.isInstance(error) && (error.code === 'HOST_DEADLINE_EXCEEDED' || error.code === 'HOST_CANCELED')) throw error;
    caller.logger.warn({ err: error }, 'summarization failed; continuing with trimmed history');
    return undefined;
  }
}

/** The text the summary model reads: the summary so far, then the dropped turns with their tool calls, newest kept. */
export function summaryInput(conversation: Pick<Conversation, 'summary'>, dropped: readonly IndexedMessage[]): string {
  const previous = conversation.summary ? `Summary so far:\n${conversation.summary.content}\n\n` : '';
  const transcript = dropped
    .map(({ message }) => {
      const tools = (message.toolCalls ?? []).map((call) => `  [tool ${call.name}(${call.arguments}) → ${call.result}]`);
      return [`${message.role === 'user' ? 'User' : 'Assistant'}: ${message.content}`, ...tools].join('\n');
    })
    .join('\n');
  return `${previous}Conversation to summarize:\n${transcript}`.slice(-MAX_SUMMARY_INPUT_CHARACTERS);
}
