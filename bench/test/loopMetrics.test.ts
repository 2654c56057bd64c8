/**
 * Baton's own event loop over a window, as the storm section reads it: against a real Baton (the
 * server's source, in this process), whose loop this test blocks on purpose. No timing is
 * asserted beyond what the block itself guarantees.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createServer } from '../../packages/server/src/index.js';
import { loopWindow, startLoopWindow } from '../lib/loopMetrics.js';

test('a window over Baton’s /metrics gives its loop’s busy share and delays of that window only', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-loop-'));
  const app = await createServer({ dataDir, logLevel: false, rateLimits: false });
  try {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    // Started over by the first scrape, the server's monitor counts from its next run (10 ms).
    const window = await startLoopWindow(url);
    await new Promise((resolve) => setTimeout(resolve, 25));
    const until = performance.now() + 150;
    while (performance.now() < until);
    await new Promise((resolve) => setTimeout(resolve, 1));
    const measured = await window.end();
    assert.ok(measured.busy > 0 && measured.busy <= 1, `busy share ${measured.busy}`);
    assert.ok(measured.delayMaxMs >= 130, `the 150 ms block: ${measured.delayMaxMs} ms late at most`);
    assert.ok(measured.delayP99Ms <= measured.delayMaxMs);
  } finally {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('the busy share is the busy seconds between the two scrapes over the window’s length', () => {
  const scrape = (busy: number, p99: number, max: number) =>
    [
      `baton_event_loop_busy_seconds_total ${busy}`,
      `baton_event_loop_delay_seconds{quantile="0.5"} 0`,
      `baton_event_loop_delay_seconds{quantile="0.99"} ${p99}`,
      `baton_event_loop_delay_seconds{quantile="1"} ${max}`,
    ].join('\n');
  assert.deepEqual(loopWindow(scrape(1.5, 0, 0), scrape(2, 0.0025, 0.012), 2), {
    busy: 0.25,
    delayP99Ms: 2.5,
    delayMaxMs: 12,
  });
  assert.ok(
    Number.isNaN(loopWindow('', scrape(2, 0, 0), 2).busy),
    'a server without the metric: not a number',
  );
});
