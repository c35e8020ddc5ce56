import { describe, expect, it } from 'vitest';
import { KeyedSerializer } from './keyed-serializer.js';

describe('KeyedSerializer', () => {
  it('runs tasks of one key one at a time, in call order, and other keys concurrently', async () => {
    const serializer = new KeyedSerializer();
    const events: string[] = [];
    let releaseFirst!: () => void;
    const first = serializer.run('a', async () => {
      events.push('a1 start');
      await new Promise<void>((resolve) => (releaseFirst = resolve));
      events.push('a1 end');
      return 1;
    });
    const second = serializer.run('a', async () => {
      events.push('a2');
      return 2;
    });
    const other = serializer.run('b', async () => {
      events.push('b1');
      return 3;
    });
    await other;
    await Promise.resolve();
    expect(events).toEqual(['a1 start', 'b1']);
    releaseFirst();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(events).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });

  it('keeps going after a failed task and forgets idle keys', async () => {
    const serializer = new KeyedSerializer();
    await expect(serializer.run('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await serializer.run('k', async () => 'next')).toBe('next');
    await new Promise((resolve) => setImmediate(resolve));
    expect(serializer.activeKeys).toBe(0);
  });
});
