import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackgroundWork } from '../src/background.js';

describe('work a request leaves behind', () => {
  it('starts only on a later turn of the event loop, after the answer in progress was written', async () => {
    const work = new BackgroundWork(() => {});
    let started = false;
    work.run(async () => {
      started = true;
    });
    // The answer is sent in the microtasks after the handler returns; the work must wait past them.
    for (let tick = 0; tick < 10; tick++) await Promise.resolve();
    assert.equal(started, false);
    await work.idle();
    assert.equal(started, true);
  });

  it('reports a failure without throwing, and idle waits for work started by work', async () => {
    const failures: unknown[] = [];
    const work = new BackgroundWork((error) => failures.push(error));
    const done: string[] = [];
    work.run(async () => {
      work.run(async () => {
        done.push('inner');
      });
      throw new Error('the store went away');
    });
    await work.idle();
    assert.deepEqual(done, ['inner']);
    assert.equal((failures[0] as Error).message, 'the store went away');
  });
});
