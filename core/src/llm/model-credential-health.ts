import { HostError } from '../errors/index.js';
import type { ModelClient } from './model-client.js';

/** What the last model call said about the host's model credentials. */
export type ModelCredentialVerdict =
  | { readonly state: 'unknown' }
  | { readonly state: 'accepted' }
  | { readonly state: 'rejected'; readonly message: string; readonly since: Date };

/**
 * Remembers whether the provider accepted the host's model key on the latest call, so `/readyz` can
 * say "degraded: the model key was rejected" instead of "ok" while every chat fails. Only the
 * provider's answer counts: a call that failed for any other reason leaves the verdict as it was.
 */
export class ModelCredentialHealth {
  #verdict: ModelCredentialVerdict = { state: 'unknown' };

  constructor(private readonly now: () => Date = () => new Date()) {}

  get verdict(): ModelCredentialVerdict {
    return this.#verdict;
  }

  recordAccepted(): void {
    this.#verdict = { state: 'accepted' };
  }

  recordRejected(error: HostError): void {
    // Keep the first rejection's time: "since" says how long chat has been failing.
    const since = this.#verdict.state === 'rejected' ? this.#verdict.since : this.now();
    this.#verdict = { state: 'rejected', message: error.message, since };
  }

  /** Wraps a model client so every call's outcome updates the verdict. */
  watch(client: ModelClient): ModelClient {
    return {
      get isConfigured() {
        return client.isConfigured;
      },
      get model() {
        return client.model;
      },
      get tokenCounter() {
        return client.tokenCounter;
      },
      complete: async (request, options) => {
        try {
          const completion = await client.complete(request, options);
          this.recordAccepted();
          return completion;
        } catch (error) {
          if (HostError.isInstance(error) && error.code === 'HOST_MODEL_CREDENTIALS_REJECTED') this.recordRejected(error);
          throw error;
        }
      },
    };
  }
}
