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

  const SCRIPTED = new URL('./support/scriptedHashingThread.ts', import.meta.url);
  const script = (password: string) => ({ op: 'hash' as const, password, options: {} });

  it('a thread starts the job queued behind its current one without waiting for the event loop', async () => {
    const pool = new HashingPool({ threads: 1, nice: 0, threadModule: SCRIPTED });
    await pool.run(script('spin:0')); // the thread is up
    const first = pool.run(script('spin:50'));
    const second = pool.run(script('spin:0'));
    // The event loop is busy well past the first job: it cannot hand the thread anything.
    const blockedUntil = Date.now() + 400;
    while (Date.now() < blockedUntil) {}
    await first;
    assert.ok(Number(await second) < blockedUntil, 'the second job started while the event loop was busy');
    assert.deepEqual(pool.load, { active: 0, waiting: 0 });
  });

  it('a thread that dies fails only the job it was running; the job queued behind it runs on a new thread', async () => {
    const pool = new HashingPool({ threads: 1, nice: 0, threadModule: SCRIPTED });
    const dying = pool.run(script('exit'));
    const queued = pool.run(script('spin:0'));
    await assert.rejects(dying, HashingThreadError);
    assert.match(await queued, /^\d+$/);
    assert.deepEqual(pool.load, { active: 0, waiting: 0 });
  });

  it('counts running hashes as active and the jobs behind them as waiting', async () => {
    const pool = new HashingPool({ threads: 1, nice: 0, threadModule: SCRIPTED });
    const jobs = [pool.run(script('spin:100')), pool.run(script('spin:0')), pool.run(script('spin:0'))];
    assert.deepEqual(pool.load, { active: 1, waiting: 2 });
    await Promise.all(jobs);
    assert.deepEqual(pool.load, { active: 0, waiting: 0 });
  });

  it('jobs handed at once to threads that die at start each fail, and none hangs', async () => {
    for (const threads of [1, 2]) {
      const pool = new HashingPool({
        threads,
        nice: 0,
        threadModule: new URL('file:///nonexistent/thread.js'),
      });
      const jobs = Array.from({ length: 5 }, () => pool.run(script('spin:0')));
      // Each is awaited at once: a rejection nobody listens to yet would fail the run.
      await Promise.all(jobs.map((job) => assert.rejects(job, HashingThreadError)));
      assert.deepEqual(pool.load, { active: 0, waiting: 0 });
    }
  });

  it('a thread that cannot be made fails its job with HashingThreadError', async () => {
    // Node refuses a thread module that is not a file before any thread exists.
    const pool = new HashingPool({
      threads: 1,
      nice: 0,
      threadModule: new URL('http://127.0.0.1/thread.js'),
    });
    await assert.rejects(pool.run(script('spin:0')), HashingThreadError);
    assert.deepEqual(pool.load, { active: 0, waiting: 0 });
  });
});
