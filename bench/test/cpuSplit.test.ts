/**
 * The CPU split of the PostgreSQL section (`lib/cpuSplit.ts`): time a server process burns counts
 * as Baton's, not as the load generator's, and turns into microseconds per operation. The server
 * here is a child that burns CPU when told to and reports what it burned.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { type TestContext, test } from 'node:test';
import { type CpuShares, cpuMeter } from '../lib/cpuSplit.js';

/** Slack for the kernel's rounding: whole ticks of 10 ms, two readings of two counters each. */
const TICK = 40;

/** Waits for a line on stdin, burns `ms` of CPU, prints what it burned, and stays alive. */
const burnOnCue = (ms: number) =>
  `const t = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
   process.stdin.once('data', () => {
     const start = t();
     while (t() - start < ${ms}) {}
     process.stdout.write(String(t() - start));
   });
   process.stdout.write('ready');`;

/**
 * Starts `script` in a child (it prints 'ready', burns when cued, then prints one line) and meters
 * the child from the cue to that line, over `operations`.
 */
async function meteredBurn(
  t: TestContext,
  script: string,
  operations: number,
): Promise<{ split: CpuShares; line: string }> {
  const server = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => server.kill());
  server.stdout.setEncoding('utf8');
  const [ready] = (await once(server.stdout, 'data')) as [string];
  assert.equal(ready, 'ready');
  const meter = cpuMeter([server.pid!]);
  meter.begin();
  server.stdin.write('burn\n');
  const [line] = (await once(server.stdout, 'data')) as [string];
  meter.end(operations);
  const split = meter.last();
  assert.ok(split, 'a reading after the loop');
  return { split, line };
}

test('CPU a server burns counts as Baton’s, per operation, and not as the load generator’s', {
  skip: process.platform !== 'linux' && 'skipped: needs /proc (Linux)',
}, async (t) => {
  const operations = 3;
  const { split, line } = await meteredBurn(t, burnOnCue(300), operations);
  const burned = Number(line);
  assert.ok(burned >= 300);
  const batonMs = (split.server * operations) / 1000;
  assert.ok(
    Math.abs(batonMs - burned) <= TICK,
    `Baton counted ${batonMs} ms, the server burned ${burned} ms`,
  );
  // This process only waited meanwhile: the server is alive, so none of its time reached us.
  const harnessMs = (split.harness * operations) / 1000;
  assert.ok(harnessMs < burned / 2, `the load generator counted ${harnessMs} ms of a ${burned} ms burn`);
});

/**
 * Waits for a line on stdin, then burns `ms` of CPU on a worker thread while the main thread waits
 * for it, then `ms` on the main thread; prints what each burned and stays alive.
 */
const burnOnWorkerThenMain = (ms: number) =>
  `const { Worker } = require('node:worker_threads');
   const burn = 'const t = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }; const s = t(); while (t() - s < ${ms}) {}';
   const t = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
   process.stdin.once('data', () => {
     const worker = new Worker(burn, { eval: true });
     worker.once('exit', () => {
       const start = t();
       while (t() - start < ${ms}) {}
       process.stdout.write('done');
     });
   });
   process.stdout.write('ready');`;

test("the event loop's share counts the main thread's CPU only, not a worker thread's", {
  skip: process.platform !== 'linux' && 'skipped: needs /proc (Linux)',
}, async (t) => {
  const { split, line } = await meteredBurn(t, burnOnWorkerThenMain(300), 1);
  assert.equal(line, 'done');
  // Each burn counts the whole process's CPU (process.cpuUsage()); the main thread only waits while
  // the worker burns, so each thread burned about 300 ms of its own.
  const processMs = split.server / 1000;
  const loopMs = split.serverLoop / 1000;
  assert.ok(processMs >= 600 - TICK, `the process burned ${processMs} ms in all`);
  assert.ok(loopMs >= 300 - TICK, `the main thread's ${loopMs} ms include its own 300 ms burn`);
  assert.ok(
    processMs - loopMs >= 200,
    `the worker's burn (${processMs - loopMs} ms outside the main thread) is not the event loop's`,
  );
});
