import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rotationBatches } from '../src/store/postgres/rotationBatches.js';
import type { Rotation } from '../src/store/store.js';

const rotation = (tokenHash: string): Rotation => ({
  tokenHash,
  successorHash: `next-${tokenHash}`,
  successorBox: null,
  consumedBy: 'client',
  now: 1,
  idleExpiresAt: 2,
});

describe('PostgreSQL rotation batches (group commit)', () => {
  it('sends a lone rotation at once, and groups the ones that wait while batches are in flight', async () => {
    const batches: string[][] = [];
    const batcher = rotationBatches<string>({
      many: async (batch) => {
        batches.push(batch.map((each) => each.tokenHash));
        return batch.map((each) => `session-of-${each.tokenHash}`);
      },
      one: async (each) => {
        batches.push([each.tokenHash]);
        return `session-of-${each.tokenHash}`;
      },
      maxInFlight: 2,
    });
    assert.equal(await batcher.rotate(rotation('alone')), 'session-of-alone');
    assert.deepEqual(batches, [['alone']]);
    batches.length = 0;
    // Its batch's bookkeeping ends a few microtasks after its caller resumes.
    await new Promise((resolve) => setImmediate(resolve));
    const names = Array.from({ length: 10 }, (_, index) => `t${index}`);
    const rows = await Promise.all(names.map((name) => batcher.rotate(rotation(name))));
    assert.deepEqual(
      rows,
      names.map((name) => `session-of-${name}`),
    );
    // The first two go at once (two in flight); the other eight wait and go in one statement.
    assert.deepEqual(batches, [['t0'], ['t1'], names.slice(2)]);
  });

  it('retries each rotation of a failed batch alone, so one failure does not fail the others', async () => {
    const alone: string[] = [];
    const batcher = rotationBatches<string>({
      many: async () => {
        throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      },
      one: async (each) => {
        alone.push(each.tokenHash);
        if (each.tokenHash === 'bad') throw new Error('this one really fails');
        return `session-of-${each.tokenHash}`;
      },
      maxInFlight: 1,
    });
    const settled = await Promise.allSettled(
      ['a', 'b', 'bad', 'c'].map((name) => batcher.rotate(rotation(name))),
    );
    assert.deepEqual(
      settled.map((each) => (each.status === 'fulfilled' ? each.value : 'failed')),
      ['session-of-a', 'session-of-b', 'failed', 'session-of-c'],
    );
    assert.deepEqual(alone.sort(), ['a', 'b', 'bad', 'c']);
  });
});
