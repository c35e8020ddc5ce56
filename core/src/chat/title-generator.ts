import { createHash } from 'node:crypto';
import type { KeyValueStore } from '../cache/index.js';
import { HostError } from '../errors/index.js';
import type { ModelCallOptions, ModelClient } from '../llm/index.js';
import type { ChatLogger } from './caller-context.js';
import { fallbackTitle, formatTitle } from './format-title.js';
import { TITLE_PROMPT } from './system-prompts.js';

/** Cache key of a title: `title:<sha256 hex of the first message>` (the old service's format). */
export function titleCacheKey(firstMessage: string): string {
  return `title:${createHash('sha256').update(firstMessage).digest('hex')}`;
}

/** Produces conversation titles; never fails (falls back to a title derived from the message). */
export interface TitleGenerator {
  titleFor(firstMessage: string, call: ModelCallOptions & { logger: ChatLogger }): Promise<string>;
}

/** Titles from the model, cached by the first message's hash so repeated openers cost nothing. */
export function createTitleGenerator(deps: {
  model: ModelClient;
  cache: KeyValueStore;
  ttlSeconds: number;
}): TitleGenerator {
  return {
    async titleFor(firstMessage, { logger, ...call }) {
      const key = titleCacheKey(firstMessage);
      try {
        const cached = await deps.cache.get(key);
        if (cached !== undefined && cached !== '') return cached;
      } catch (error) {
        logger.warn({ err: error }, 'title cache unavailable; generating the title');
      }
      let title = '';
      try {
        const completion = await deps.model.complete(
          {
            purpose: 'title',
            messages: [
              { role: 'system', content: TITLE_PROMPT },
              { role: 'user', content: firstMessage },
            ],
          },
          call,
        );
        title = formatTitle(completion.content ?? '');
      } catch (error) {
        // A client that went away is an ordinary cancel, not a failure worth a warning and a stack.
        if (isCancel(error)) logger.info('title generation stopped: the request was cancelled');
        else logger.warn({ err: error }, 'title generation failed; using a title derived from the message');
      }
      if (title === '') return fallbackTitle(firstMessage);
      try {
        await deps.cache.set(key, title, deps.ttlSeconds);
      } catch (error) {
        logger.warn({ err: error }, 'could not cache the title');
      }
      return title;
    },
  };
}

function isCancel(error: unknown): boolean {
  return HostError.isInstance(error) && error.code === 'HOST_CANCELED';
}
