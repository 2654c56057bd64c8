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
