import assert from 'node:assert/strict';
import { test } from 'node:test';
import { singleFlight } from '../src/index.js';

/** A task whose runs are counted and settled by the test. */
function controlledTask() {
  let runs = 0;
  const settles: { resolve(value: number): void; reject(error: Error): void }[] = [];
  const task = () => {
    runs += 1;
    return new Promise<number>((resolve, reject) => settles.push({ resolve, reject }));
  };
  return { task, runs: () => runs, last: () => settles.at(-1)! };
}

test('concurrent callers share one run and its result', async () => {
  const { task, runs, last } = controlledTask();
  const flight = singleFlight(task);
  const callers = Array.from({ length: 50 }, () => flight());
  await Promise.resolve();
  assert.equal(runs(), 1);
  assert.ok(flight.pending());
  last().resolve(7);
  assert.deepEqual(await Promise.all(callers), Array(50).fill(7));
  assert.equal(flight.pending(), null);
});

test('a failure reaches every waiting caller and the next call starts afresh', async () => {
  const { task, runs, last } = controlledTask();
  const flight = singleFlight(task);
  const callers = [flight(), flight()];
  await Promise.resolve();
  last().reject(new Error('offline'));
  for (const caller of callers) await assert.rejects(caller, /offline/);
  const next = flight();
  await Promise.resolve();
  assert.equal(runs(), 2);
  last().resolve(1);
  assert.equal(await next, 1);
});

test('a task that throws synchronously does not wedge the flight', async () => {
  let calls = 0;
  const flight = singleFlight(() => {
    calls += 1;
    if (calls === 1) throw new Error('sync');
    return Promise.resolve('ok');
  });
  await assert.rejects(flight(), /sync/);
  assert.equal(await flight(), 'ok');
});
