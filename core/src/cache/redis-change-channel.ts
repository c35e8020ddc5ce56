import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './redis-key-value-store.js';

/** How long {@link RedisChangeChannel.subscribe} waits for Redis before letting the host start without it. */
export const SUBSCRIBE_WAIT_MS = 5_000;

/** What a {@link RedisChangeChannel} subscriber is told. */
export interface ChangeChannelListener {
  onMessage(message: string): void;
  /** The subscription is (again) live: messages sent while it was down are lost, so re-read now. */
  onReady(): void;
}

/**
 * A Redis pub/sub channel every replica listens on, for "something changed, re-read it" notices.
 * Publishing uses the process's shared client; listening needs a connection of its own (a subscribed
 * connection can run nothing else), duplicated from it with an offline queue so it resubscribes by
 * itself after Redis comes back. Channels are not keys, so the deployment's key prefix is part of `channel`.
 */
export class RedisChangeChannel {
  readonly #client: RedisClient;
  readonly #channel: string;
  #subscriber: Redis | Cluster | undefined;

  constructor(client: RedisClient, channel: string) {
    this.#client = client;
    this.#channel = channel;
  }

  /** Sends `message` to every subscriber (this process's too). Fails fast while Redis is down. */
  async publish(message: string): Promise<void> {
    await this.#client.publish(this.#channel, message);
  }

  /**
   * Starts listening; the subscription survives reconnects. Call once. Resolves when the subscription is
   * live, or after {@link SUBSCRIBE_WAIT_MS} when Redis is unreachable (it then waits in the connection's
   * queue, and `onReady` tells when it is live), so a Redis that is down never holds up the host's start.
   */
  async subscribe(listener: ChangeChannelListener): Promise<void> {
    const subscriber = this.#client instanceof Cluster ? this.#client.duplicate(undefined, { enableOfflineQueue: true }) : this.#client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.#subscriber = subscriber;
    // Reported through readiness and the shared client; the subscriber only reconnects.
    subscriber.on('error', () => {});
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.#channel) listener.onMessage(message);
    });
    // ioredis resubscribes on reconnect and then emits `ready` again.
    subscriber.on('ready', () => listener.onReady());
    const subscribed = subscriber.subscribe(this.#channel).then(
      () => undefined,
      () => undefined,
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([subscribed, new Promise<void>((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** True while the listening connection is up. */
  get isListening(): boolean {
    return this.#subscriber?.status === 'ready';
  }

  async close(): Promise<void> {
    this.#subscriber?.disconnect();
    this.#subscriber = undefined;
  }
}
