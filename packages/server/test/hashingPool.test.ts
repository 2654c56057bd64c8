import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HashingPool, HashingThreadError } from '../src/auth/hashingPool.js';

const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

describe('HashingPool', () => {
  it('hashes and verifies on its threads', async () => {
    const pool = new HashingPool({ threads: 2, nice: 0 });
    const hash = await pool.run({ op: 'hash', password: 'a long passphrase', options: OPTIONS });
    assert.match(hash, /^\$argon2id\$/);
    assert.equal(await pool.run({ op: 'verify', hash, password: 'a long passphrase' }), true);
    assert.equal(await pool.run({ op: 'verify', hash, password: 'another passphrase' }), false);
  });

  it("rejects argon2's own refusals as plain errors", async () => {
    const pool = new HashingPool({ threads: 1, nice: 0 });
    const refusal = await pool
      .run({ op: 'verify', hash: 'not a hash', password: 'x' })
      .catch((error) => error);
    assert.ok(refusal instanceof Error);
    assert.ok(!(refusal instanceof HashingThreadError));
  });

  it('fails a job whose thread dies with HashingThreadError, frees its slot and does not hang', async () => {
    // A thread whose module cannot load dies at start, as a crashed one would.
    const pool = new HashingPool({
      threads: 1,
      nice: 0,
      threadModule: new URL('file:///nonexistent/thread.js'),
    });
    for (let attempt = 0; attempt < 2; attempt++) {
      await assert.rejects(
        pool.run({ op: 'hash', password: 'a long passphrase', options: OPTIONS }),
        HashingThreadError,
      );
    }
    assert.deepEqual(pool.load, { active: 0, waiting: 0 });
  });
});
