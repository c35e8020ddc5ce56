import type { Conversation, ConversationSummary } from '../storage/conversation-store.js';
import { buildModelContext, type ModelContext } from './build-model-context.js';
import type { CallerContext } from './caller-context.js';
import type { ChatStepDeps } from './chat-deps.js';
import { runToolLoop, type ToolLoopResult } from './run-tool-loop.js';
import { summarizeHistory } from './summarize-history.js';
import type { TurnEvents } from './turn-events.js';

/** What a turn asks the model about. */
export interface ReplyRequest {
  readonly message: string;
  /** Picks the operator's platform prompt. */
  readonly platform: string;
  /** The conversation so far (its newest messages); undefined for a turn that opens one. */
  readonly conversation?: Conversation | undefined;
  readonly events?: TurnEvents | undefined;
}

/** The model's answer to a turn, with what is stored next to it. */
export interface GeneratedReply {
  readonly loop: ToolLoopResult;
  readonly promptVersion: string;
  readonly userMessageTokens: number;
}

/**
 * The part of a turn shared by every case: the system prompt for the offered tools, the history that
 * fits the token budget (summarizing what fell out, when enabled), then the tool loop.
 */
export async function generateReply(
  deps: Pick<ChatStepDeps, 'model' | 'tools' | 'prompts' | 'store' | 'clock' | 'options'>,
  caller: CallerContext,
  request: ReplyRequest,
): Promise<GeneratedReply> {
  const { model, tools, options } = deps;
  const { conversation } = request;
  const offered = tools.listModelTools();
  const prompt = deps.prompts.render({ tenantId: caller.tenantId, platform: request.platform, tools: offered });
  const build = (summary: ConversationSummary | undefined): ModelContext =>
    buildModelContext({
      systemPrompt: prompt.content,
      history: conversation?.messages ?? [],
      firstMessageIndex: conversation?.firstMessageIndex ?? 0,
      summary,
      userMessage: request.message,
      tools: offered,
      tokenBudget: options.contextTokenBudget,
      counter: model.tokenCounter,
    });
  let context = build(conversation?.summary);
  if (options.summarize && conversation && context.droppedMessages.length > 0) {
    const summary = await summarizeHistory(deps, caller, conversation, context.droppedMessages);
    if (summary) context = build(summary);
  }
  if (context.droppedMessages.length > 0 || context.omittedToolResults > 0) {
    caller.logger.debug(
      { droppedMessages: context.droppedMessages.length, omittedToolResults: context.omittedToolResults },
      'history trimmed to the context budget',
    );
  }
  const loop = await runToolLoop(
    {
      model,
      executor: tools,
      settings: {
        maxSteps: options.maxToolSteps,
        maxCorrectionsPerTool: options.maxCorrectionsPerTool,
        emptyReplyText: options.emptyReplyText,
      },
    },
    { messages: context.messages, rawPromptTokens: context.rawPromptTokens, tools: offered, caller, events: request.events },
  );
  return { loop, promptVersion: prompt.version, userMessageTokens: context.userMessageTokens };
}
