import { describe, expect, it } from 'vitest';
import { ChatQueues } from './chat-queues.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('ChatQueues', () => {
  it('answers the messages of one chat in order, even when an earlier answer is slower', async () => {
    const done: string[] = [];
    const queues = new ChatQueues(() => {});
    const slow = deferred();
    queues.enqueue('chat-1', async () => {
      await slow.promise;
      done.push('first');
    });
    queues.enqueue('chat-1', async () => void done.push('second'));
    await Promise.resolve();
    expect(done).toEqual([]);
    slow.resolve();
    await queues.idle();
    expect(done).toEqual(['first', 'second']);
  });

  it('answers different chats concurrently', async () => {
    const done: string[] = [];
    const queues = new ChatQueues(() => {});
    const blocked = deferred();
    queues.enqueue('chat-1', async () => {
      await blocked.promise;
      done.push('chat-1');
    });
    const other = deferred();
    queues.enqueue('chat-2', async () => {
      done.push('chat-2');
      other.resolve();
    });
    await other.promise;
    expect(done).toEqual(['chat-2']);
    blocked.resolve();
    await queues.idle();
    expect(done).toEqual(['chat-2', 'chat-1']);
  });

  it('reports a failed answer and goes on with the chat', async () => {
    const failures: Array<[string, string]> = [];
    const queues = new ChatQueues((error, chatId) => failures.push([chatId, (error as Error).message]));
    const done: string[] = [];
    queues.enqueue('chat-1', async () => {
      throw new Error('telegram refused');
    });
    queues.enqueue('chat-1', async () => void done.push('next'));
    await queues.idle();
    expect(failures).toEqual([['chat-1', 'telegram refused']]);
    expect(done).toEqual(['next']);
  });

  it('is idle only when work queued while waiting has finished too', async () => {
    const queues = new ChatQueues(() => {});
    const done: string[] = [];
    queues.enqueue('chat-1', async () => {
      queues.enqueue('chat-2', async () => void done.push('queued later'));
      done.push('first');
    });
    await queues.idle();
    expect(done).toEqual(['first', 'queued later']);
  });

  it('is idle at once with nothing queued', async () => {
    await expect(new ChatQueues(() => {}).idle()).resolves.toBeUndefined();
  });
});
