import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RETRY_BASE_MS, RETRY_MAX_MS, retryDelayMs } from '../src/index.js';
import { createRefreshScheduler } from '../src/scheduler.js';
import type { SessionState } from '../src/session.js';
import { manualTimers } from './support/manualTimers.js';

test('retries wait 1 s, doubling to 60 s, jittered by ±25 %', () => {
  const lowest = () => 0;
  const highest = () => 0.999_999;
  const bases = [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000];
  bases.forEach((base, index) => {
    const attempt = index + 1;
    assert.equal(retryDelayMs(attempt, lowest), base * 0.75, `attempt ${attempt}, lowest jitter`);
    assert.ok(
      Math.abs(retryDelayMs(attempt, highest) - base * 1.25) < 1,
      `attempt ${attempt}, highest jitter`,
    );
  });
  assert.equal(RETRY_BASE_MS, 1000);
  assert.equal(RETRY_MAX_MS, 60_000);
  assert.equal(retryDelayMs(1000, lowest), 45_000, 'no overflow after many attempts');
});

test('the scheduler plans the proactive refresh at refreshAt, retries after failures, and nothing when signed out', () => {
  const { timers, pending, fire } = manualTimers();
  let now = 1_000_000;
  let due = 0;
  const scheduler = createRefreshScheduler({
    timers,
    serverNow: () => now,
    random: () => 0.5,
    onDue: () => {
      due += 1;
    },
  });
  const state = { refreshAt: now + 30_000 } as SessionState;
  scheduler.plan(state, 0);
  assert.deepEqual(pending(), [30_000]);
  now += 10_000;
  scheduler.plan(state, 0);
  assert.deepEqual(pending(), [20_000], 'a new plan replaces the old timer');
  scheduler.plan(state, 3);
  assert.deepEqual(pending(), [4000], 'third failure: 4 s (jitter 0.5 is neutral)');
  fire(() => true);
  assert.equal(due, 1);
  scheduler.plan(null, 0);
  assert.deepEqual(pending(), []);
  scheduler.plan(state, 0);
  scheduler.stop();
  assert.deepEqual(pending(), [], 'stopped: nothing armed');
  scheduler.plan(state, 0);
  assert.deepEqual(pending(), [], 'and nothing planned after stop');
});
