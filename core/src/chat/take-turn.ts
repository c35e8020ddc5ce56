import type { CallerContext } from './caller-context.js';
import type { ChatStepDeps } from './chat-deps.js';
import type { ContinueConversationResult, StartConversationResult } from './chat-use-cases.js';
import { loadConversation } from './conversation-queries.js';
import { continueTurn } from './continue-turn.js';
import { bindSession } from './session-directory.js';
import { startTurn } from './start-turn.js';
import type { NewConversationTarget, SessionConversationTarget, TurnTarget } from './turn-target.js';
import type { TurnEvents } from './turn-events.js';
import { requireConfiguredModel } from './validate-chat-input.js';

/** A turn that opened its conversation. */
export type StartedTurn = StartConversationResult & { readonly isNew: true };
/** A turn in a conversation that already existed. */
export type ContinuedTurn = ContinueConversationResult & { readonly isNew: false; readonly title?: undefined };
/** What a turn did, by case. */
export type TurnOutcome = StartedTurn | ContinuedTurn;

/** Runs one turn in the conversation its target describes: the one path of every chat turn, streamed or not. */
export function takeTurn(
  deps: ChatStepDeps,
  caller: CallerContext,
  target: NewConversationTarget,
  message: string,
  events?: TurnEvents,
): Promise<StartedTurn>;
export function takeTurn(deps: ChatStepDeps, caller: CallerContext, target: TurnTarget, message: string, events?: TurnEvents): Promise<TurnOutcome>;
export async function takeTurn(
  deps: ChatStepDeps,
  caller: CallerContext,
  target: TurnTarget,
  message: string,
  events?: TurnEvents,
): Promise<TurnOutcome> {
  requireConfiguredModel(deps.model);
  switch (target.kind) {
    case 'new-conversation':
      return { ...(await startInNewConversation(deps, caller, target, message, events)), isNew: true };
    case 'known-conversation': {
      const conversation = await loadConversation(deps, caller, target.conversationId, deps.options.recentMessages);
      return { ...(await continueTurn(deps, caller, conversation, message, events)), isNew: false };
    }
    case 'session-conversation':
      return takeSessionTurn(deps, caller, target, message, events);
  }
}

/** A turn that opens a conversation and, given a session, makes it the session's conversation. */
async function startInNewConversation(
  deps: ChatStepDeps,
  caller: CallerContext,
  target: NewConversationTarget,
  message: string,
  events: TurnEvents | undefined,
): Promise<StartConversationResult> {
  const started = await startTurn(deps, caller, message, target.session, events);
  if (target.session) await bindSession(deps.sessions, caller, target.session, started.conversationId);
  return started;
}

/**
 * A turn by session: its conversation, or a new one opened under the directory's per-session lock (so
 * simultaneous first messages share one conversation; the directory binds it). A session that points
 * at a conversation that no longer exists gets a new one, bound in its place.
 */
async function takeSessionTurn(
  deps: ChatStepDeps,
  caller: CallerContext,
  target: SessionConversationTarget,
  message: string,
  events: TurnEvents | undefined,
): Promise<TurnOutcome> {
  const { session } = target;
  let started: StartConversationResult | undefined;
  const resolved = await deps.sessions.resolveOrCreate(caller.tenantId, session, async () => {
    started = await startTurn(deps, caller, message, session, events);
    return started.conversationId;
  });
  if (resolved.isNew && started) return { ...started, isNew: true };
  const conversation = await deps.store.get(caller.tenantId, resolved.conversationId, { recentMessages: deps.options.recentMessages });
  if (conversation) return { ...(await continueTurn(deps, caller, conversation, message, events)), isNew: false };
  caller.logger.info({ source: resolved.source }, 'session pointed at a missing conversation; starting a new one');
  return { ...(await startInNewConversation(deps, caller, { kind: 'new-conversation', session }, message, events)), isNew: true };
}
