/**
 * The CPU split of the PostgreSQL section (`lib/cpuSplit.ts`): time a server process burns counts
 * as Baton's, not as the load generator's, and turns into microseconds per operation. The server
 * here is a child that burns CPU when told to and reports what it burned.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { cpuMeter } from '../lib/cpuSplit.js';

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

test('CPU a server burns counts as Baton’s, per operation, and not as the load generator’s', {
  skip: process.platform !== 'linux' && 'skipped: needs /proc (Linux)',
}, async (t) => {
  const server = spawn(process.execPath, ['-e', burnOnCue(300)], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => server.kill());
  server.stdout.setEncoding('utf8');
  const [ready] = (await once(server.stdout, 'data')) as [string];
  assert.equal(ready, 'ready');
  const meter = cpuMeter([server.pid!]);
  meter.begin();
  server.stdin.write('burn\n');
  const [burnedText] = (await once(server.stdout, 'data')) as [string];
  const burned = Number(burnedText);
  const operations = 3;
  meter.end(operations);
  const split = meter.last();
  assert.ok(split, 'a reading after the loop');
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
  const server = spawn(process.execPath, ['-e', burnOnWorkerThenMain(300)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  t.after(() => server.kill());
  server.stdout.setEncoding('utf8');
  const [ready] = (await once(server.stdout, 'data')) as [string];
  assert.equal(ready, 'ready');
  const meter = cpuMeter([server.pid!]);
  meter.begin();
  server.stdin.write('burn\n');
  const [done] = (await once(server.stdout, 'data')) as [string];
  assert.equal(done, 'done');
  meter.end(1);
  const split = meter.last();
  assert.ok(split, 'a reading after the loop');
  // process.cpuUsage() is the whole process's, so each burn took at least 300 ms of CPU, but the
  // worker's burn ends once both threads' CPU adds up to that: count from the process's totals.
  const processMs = split.server / 1000;
  const loopMs = split.serverLoop / 1000;
  assert.ok(processMs >= 600 - TICK, `the process burned ${processMs} ms in all`);
  assert.ok(loopMs >= 300 - TICK, `the main thread's ${loopMs} ms include its own 300 ms burn`);
  assert.ok(
    processMs - loopMs >= 200,
    `the worker's burn (${processMs - loopMs} ms outside the main thread) is not the event loop's`,
  );
});
