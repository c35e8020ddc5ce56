import { HostError } from '../errors/index.js';
import type { ModelCallPurpose, ModelCallRecord } from './model-types.js';

/** What the latest model call of one purpose said about the host's model credentials. */
export type ModelCredentialVerdict =
  | { readonly state: 'unknown' }
  | { readonly state: 'accepted' }
  | { readonly state: 'rejected'; readonly message: string; readonly since: Date };

const ACCEPTED: ModelCredentialVerdict = { state: 'accepted' };

/**
 * Remembers whether the provider accepted the host's model key on the latest call, so `/readyz` can say
 * "degraded: the model key was rejected" instead of "ok" while every chat fails. Kept per purpose, because
 * replies and titles may use different models and a 403 can refuse one model while the key serves the
 * other. Only the provider's answer counts: a call that failed for any other reason changes nothing.
 */
export class ModelCredentialHealth {
  readonly #verdicts = new Map<ModelCallPurpose, ModelCredentialVerdict>();

  readonly #now: () => Date;

  constructor(now: () => Date = () => new Date()) {
    this.#now = now;
  }

  /** The first rejected purpose's verdict, else accepted when any call succeeded, else unknown. */
  get verdict(): ModelCredentialVerdict {
    const verdicts = [...this.#verdicts.values()];
    return verdicts.find((verdict) => verdict.state === 'rejected') ?? verdicts.find((verdict) => verdict.state === 'accepted') ?? { state: 'unknown' };
  }

  recordAccepted(purpose: ModelCallPurpose): void {
    this.#verdicts.set(purpose, ACCEPTED);
  }

  recordRejected(purpose: ModelCallPurpose, error: HostError): void {
    // Keep the first rejection's time: "since" says how long those calls have been failing.
    const previous = this.#verdicts.get(purpose);
    const since = previous?.state === 'rejected' ? previous.since : this.#now();
    this.#verdicts.set(purpose, { state: 'rejected', message: error.message, since });
  }

  /**
   * The model client's `onCall` observer (see createModelClient): a call's outcome after its retries
   * updates the verdict of its purpose. An observer rather than a wrapper around the client, because a
   * wrapper is one more async layer on every model call.
   */
  observe(record: Pick<ModelCallRecord, 'purpose' | 'outcome'>, error?: HostError): void {
    if (record.outcome === 'ok') this.recordAccepted(record.purpose);
    else if (error?.code === 'HOST_MODEL_CREDENTIALS_REJECTED') this.recordRejected(record.purpose, error);
  }
}
