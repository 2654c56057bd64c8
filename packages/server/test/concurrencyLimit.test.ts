import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createConcurrencyLimit } from '../src/auth/concurrencyLimit.js';

/** A task that finishes when the test says so. */
function gate<T>(value: T) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const task = async () => {
    await opened;
    return value;
  };
  return { task, open };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('createConcurrencyLimit', () => {
  it('runs at most `limit` tasks at once and starts the others in arrival order', async () => {
    const limit = createConcurrencyLimit(2);
    const gates = [gate('a'), gate('b'), gate('c'), gate('d')];
    const started: string[] = [];
    const results = gates.map((g, index) =>
      limit.run(() => {
        started.push(String(index));
        return g.task();
      }),
    );
    await settle();
    assert.deepEqual(started, ['0', '1']);
    assert.equal(limit.active, 2);
    assert.equal(limit.waiting, 2);
    gates[1]?.open();
    await settle();
    assert.deepEqual(started, ['0', '1', '2'], 'the first waiter takes the freed slot');
    assert.equal(limit.active, 2);
    for (const g of gates) g.open();
    assert.deepEqual(await Promise.all(results), ['a', 'b', 'c', 'd']);
    assert.equal(limit.active, 0);
    assert.equal(limit.waiting, 0);
  });

  it('frees the slot of a task that fails, and passes the failure on', async () => {
    const limit = createConcurrencyLimit(1);
    const failing = limit.run(async () => {
      throw new Error('boom');
    });
    const next = limit.run(async () => 'after');
    await assert.rejects(failing, /boom/);
    assert.equal(await next, 'after');
    assert.equal(limit.active, 0);
  });

  it('refuses a limit that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => createConcurrencyLimit(bad), RangeError);
  });
});
