import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statementBatches } from '../src/store/postgres/statementBatches.js';

describe('PostgreSQL statement batches (group commit, grouped lookups)', () => {
  it('sends a lone input at once, and groups the ones that wait while statements are in flight', async () => {
    const statements: string[][] = [];
    const run = statementBatches<string, string>({
      many: async (batch) => {
        statements.push([...batch]);
        return batch.map((each) => `row-of-${each}`);
      },
      maxInFlight: 2,
    });
    assert.equal(await run('alone'), 'row-of-alone');
    assert.deepEqual(statements, [['alone']]);
    statements.length = 0;
    // Its statement's bookkeeping ends a few microtasks after its caller resumes.
    await new Promise((resolve) => setImmediate(resolve));
    const names = Array.from({ length: 10 }, (_, index) => `t${index}`);
    const rows = await Promise.all(names.map((name) => run(name)));
    assert.deepEqual(
      rows,
      names.map((name) => `row-of-${name}`),
    );
    // The first two go at once (two in flight); the other eight wait and go in one statement.
    assert.deepEqual(statements, [['t0'], ['t1'], names.slice(2)]);
  });

  it('puts at most 64 inputs in one statement', async () => {
    const sizes: number[] = [];
    const run = statementBatches<number, number>({
      many: async (batch) => {
        sizes.push(batch.length);
        return [...batch];
      },
      maxInFlight: 1,
    });
    const inputs = Array.from({ length: 150 }, (_, index) => index);
    assert.deepEqual(await Promise.all(inputs.map((input) => run(input))), inputs);
    assert.deepEqual(sizes, [1, 64, 64, 21]);
  });

  it('settles every input when the statement function throws instead of rejecting', async () => {
    let calls = 0;
    const run = statementBatches<string, string>({
      many: (batch) => {
        calls++;
        if (batch.includes('bad')) throw new Error('thrown, not rejected');
        return Promise.resolve(batch.map((each) => `row-of-${each}`));
      },
      maxInFlight: 1,
    });
    await assert.rejects(run('bad'), /thrown, not rejected/);
    // The slot it held is free again: the next input goes through.
    assert.equal(await run('good'), 'row-of-good');
    assert.equal(calls, 2);
  });

  it('retries each input of a failed statement alone, so one failure does not fail the others, and reports the failure', async () => {
    const alone: string[] = [];
    const reported: [string, number][] = [];
    const run = statementBatches<string, string>({
      many: async (batch) => {
        if (batch.length > 1) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        alone.push(batch[0]!);
        if (batch[0] === 'bad') throw new Error('this one really fails');
        return [`row-of-${batch[0]}`];
      },
      maxInFlight: 1,
      onBatchFailure: (error, inputs) => reported.push([(error as { code: string }).code, inputs]),
    });
    const settled = await Promise.allSettled(['a', 'b', 'bad', 'c'].map((name) => run(name)));
    assert.deepEqual(
      settled.map((each) => (each.status === 'fulfilled' ? each.value : each.reason.message)),
      ['row-of-a', 'row-of-b', 'this one really fails', 'row-of-c'],
    );
    // 'a' went alone first (nothing in flight); the other three failed together, then went alone.
    assert.deepEqual(alone.sort(), ['a', 'b', 'bad', 'c']);
    // The batch's failure is told once; a lone input's failure reaches its caller instead.
    assert.deepEqual(reported, [['40P01', 3]]);
  });
});
