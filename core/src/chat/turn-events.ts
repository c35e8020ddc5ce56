import type { ToolCallRecord } from '../storage/conversation-store.js';

/** A tool call the model asked for, announced before it runs. */
export interface ToolCallStart {
  readonly id: string;
  /** The exposed (namespaced) name the model used. */
  readonly name: string;
  /** Provenance as the serving plugin set reports it; absent for tools it does not know. */
  readonly plugin?: string | undefined;
  readonly pluginVersion?: string | undefined;
  /** The arguments as the model sent them (JSON text). */
  readonly arguments: string;
}

/**
 * Progress of one turn as it happens, for edges that stream it. Every method is optional (the
 * non-streaming use cases pass none) and may return a promise: the turn waits for it, so a slow
 * consumer slows the turn down instead of making the host buffer without bound.
 */
export interface TurnEvents {
  /** The conversation of the turn, before anything else; a new one is not stored until the turn completes. */
  conversation?(event: { readonly conversationId: string; readonly isNew: boolean }): void | Promise<void>;
  /** Reply text as the model generates it, step by step (a step that ends in tool calls may have some too). */
  textDelta?(text: string): void | Promise<void>;
  toolCallStarted?(call: ToolCallStart): void | Promise<void>;
  /** The record exactly as the turn stores it (the result is what the model saw). */
  toolCallFinished?(call: ToolCallRecord): void | Promise<void>;
}
