import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { CHECKPOINT_SIDE_SOURCE, CheckpointHandshake } from './checkpoint-handshake.js';

// The thread's side exactly as the checkpoint thread runs it, driven by messages.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
${CHECKPOINT_SIDE_SOURCE}
parentPort.on('message', (command) => {
  if (command === 'hold') holdWrites(workerData);
  else releaseWrites(workerData);
  parentPort.postMessage(command === 'hold' ? 'held' : 'released');
});
`;

const workers: Worker[] = [];

function checkpointSide(handshake: CheckpointHandshake): Worker {
  const worker = new Worker(THREAD, { eval: true, workerData: handshake.buffer });
  workers.push(worker);
  return worker;
}

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.terminate()));
});

describe('CheckpointHandshake', () => {
  it('lets the store write while nothing holds the word, and turns it away (without waiting) while the thread does', async () => {
    const handshake = new CheckpointHandshake();
    expect(handshake.tryBeginWrite()).toBe(true);
    handshake.endWrite();

    const thread = checkpointSide(handshake);
    thread.postMessage('hold');
    await once(thread, 'message');
    expect(handshake.tryBeginWrite()).toBe(false);

    thread.postMessage('release');
    await once(thread, 'message');
    expect(handshake.tryBeginWrite()).toBe(true);
    handshake.endWrite();
  });

  it('makes the thread wait for a store write in progress and take the word when it ends', async () => {
    const handshake = new CheckpointHandshake();
    expect(handshake.tryBeginWrite()).toBe(true);
    const thread = checkpointSide(handshake);
    const heard: unknown[] = [];
    thread.on('message', (message) => heard.push(message));
    thread.postMessage('hold');
    await sleep(50);
    // Still inside the write: the thread has not taken the word.
    expect(heard).toEqual([]);

    const held = once(thread, 'message');
    handshake.endWrite();
    await held;
    expect(heard).toEqual(['held']);
    expect(handshake.tryBeginWrite()).toBe(false);
  });

  it('wakes waiting writes when the thread reports, and frees what a thread that ended still held', async () => {
    const handshake = new CheckpointHandshake();
    const reported = handshake.whenReleased();
    handshake.released();
    await reported;

    const thread = checkpointSide(handshake);
    thread.postMessage('hold');
    await once(thread, 'message');
    await thread.terminate();
    expect(handshake.tryBeginWrite()).toBe(false);
    const ended = handshake.whenReleased();
    handshake.threadEnded();
    await ended;
    expect(handshake.tryBeginWrite()).toBe(true);
  });
});
