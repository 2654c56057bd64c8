import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { HashingPool, HashingThreadError, IDLE_THREAD_EXIT_MS } from '../src/auth/hashingPool.js';

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

  /** A scheduler the test fires by hand: what the pool scheduled, and whether it was cancelled. */
  const manualSchedule = () => {
    const scheduled: { exit: () => void; ms: number; cancelled: boolean }[] = [];
    const schedule = (exit: () => void, ms: number) => {
      const entry = { exit, ms, cancelled: false };
      scheduled.push(entry);
      return () => {
        entry.cancelled = true;
      };
    };
    return { scheduled, schedule };
  };

  it('a thread idle for idleMs exits, and the next job starts a new one', async () => {
    const { scheduled, schedule } = manualSchedule();
    const pool = new HashingPool({ threads: 1, nice: 0, threadModule: SCRIPTED, idleMs: 1234, schedule });
    const first = await pool.run(script('thread'));
    assert.equal(scheduled.length, 1, 'an exit is scheduled once the thread has no job');
    assert.equal(scheduled[0]!.ms, 1234);
    scheduled[0]!.exit();
    assert.equal(pool.threadCount, 0, 'the idle thread left the pool');
    const second = await pool.run(script('thread'));
    assert.notEqual(second, first, 'a new thread ran the next job');
    assert.equal(pool.threadCount, 1);
    assert.deepEqual(pool.load, { active: 0, waiting: 0 });
  });

  it('a job handed before the idle exit cancels it, and the same thread runs it', async () => {
    const { scheduled, schedule } = manualSchedule();
    const pool = new HashingPool({ threads: 1, nice: 0, threadModule: SCRIPTED, schedule });
    const first = await pool.run(script('thread'));
    const second = pool.run(script('thread'));
    assert.equal(scheduled[0]!.cancelled, true);
    // Fired anyway (a scheduler that cannot cancel): the busy thread stays.
    scheduled[0]!.exit();
    assert.equal(await second, first);
    assert.equal(pool.threadCount, 1);
  });

  it('by default a thread exits after IDLE_THREAD_EXIT_MS idle, on a timer', async () => {
    const { scheduled, schedule } = manualSchedule();
    const manual = new HashingPool({ threads: 1, nice: 0, threadModule: SCRIPTED, schedule });
    await manual.run(script('spin:0'));
    assert.equal(scheduled[0]!.ms, IDLE_THREAD_EXIT_MS);
    // The default scheduler, with no wait: timers of equal delay run in the order they were set.
    const timed = new HashingPool({ threads: 1, nice: 0, threadModule: SCRIPTED, idleMs: 0 });
    await timed.run(script('spin:0'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(timed.threadCount, 0);
  });

  it('a pending idle exit does not keep the process alive', { timeout: 30_000 }, async () => {
    // A command that hashed once (`baton users add`) ends when its work does, not an hour later.
    const program = `
      const { HashingPool } = await import(${JSON.stringify(new URL('../src/auth/hashingPool.ts', import.meta.url).href)});
      const pool = new HashingPool({ threads: 1, nice: 0, threadModule: new URL(${JSON.stringify(SCRIPTED.href)}), idleMs: 3_600_000 });
      await pool.run({ op: 'hash', password: 'spin:0', options: {} });
      console.log('hashed');`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], {
      encoding: 'utf8',
      timeout: 25_000,
    });
    assert.equal(child.signal, null, 'the process ended by itself');
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), 'hashed');
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
