import { setTimeout as sleep } from 'node:timers/promises';
import type { CallerContext } from './caller-context.js';
import type { ChatStepDeps } from './chat-deps.js';
import { fallbackTitle } from './format-title.js';

/** A new conversation's title, generated while the reply is. */
export interface TitleNextToReply {
  /**
   * The title to store with the conversation: the generated one when it is ready, or after a short
   * grace the fallback derived from the message, so a slow title never holds the reply back for long.
   */
  settle(): Promise<string>;
  /**
   * Once the conversation is stored: when it got the fallback, stores the generated title as soon as it
   * arrives. Never rejects (a late title that cannot be stored is logged).
   */
  replaceFallback(conversationId: string): Promise<void>;
}

/**
 * Starts generating the title of a conversation that opens with `firstMessage`. It starts on the next
 * turn of the event loop: by then the reply's model request (what the user is waiting for) has gone
 * out, and the title's cache lookup and model call follow it, not lead it.
 */
export function startTitleNextToReply(
  deps: Pick<ChatStepDeps, 'titles' | 'store' | 'options'>,
  caller: CallerContext,
  firstMessage: string,
): TitleNextToReply {
  let generated: string | undefined;
  let stored: { readonly title: string; readonly isGenerated: boolean } | undefined;
  const generation = new Promise<void>((resolve) => setImmediate(resolve))
    .then(() => deps.titles.titleFor(firstMessage, { signal: caller.signal, deadline: caller.deadline, logger: caller.logger }))
    .then((title) => {
      generated = title;
      return title;
    });
  return {
    async settle() {
      if (generated === undefined) await Promise.race([generation, sleep(deps.options.titleGraceMs, undefined, { ref: false })]);
      stored = generated === undefined ? { title: fallbackTitle(firstMessage), isGenerated: false } : { title: generated, isGenerated: true };
      return stored.title;
    },
    async replaceFallback(conversationId) {
      if (stored === undefined || stored.isGenerated) return;
      try {
        const title = await generation;
        if (title === stored.title) return;
        await deps.store.setTitle(caller.tenantId, conversationId, title);
      } catch (error) {
        caller.logger.warn({ err: error }, 'could not store the late title');
      }
    },
  };
}
