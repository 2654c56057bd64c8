/**
 * The start-up figure: several fresh starts of a real server, their median the target's value.
 * No timing thresholds here: only that each start is counted, stopped, and summarised as the median.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { test } from 'node:test';
import { getStatus } from '../lib/http.js';
import { launch } from '../lib/processes.js';
import { BENCH_WORK, type Stack } from '../lib/stacks.js';
import { measureStartups } from '../lib/startups.js';
import { computeTargets, isMet, type TargetNames } from '../lib/targets.js';

mkdirSync(BENCH_WORK, { recursive: true });

/** A real node:http server that answers 200, started the way the bench starts every server. */
const tinyServer = (ports: number[]): Stack => ({
  name: 'tiny',
  todosPath: '/',
  durableRefresh: false,
  launch: (port) => {
    ports.push(port);
    return launch({
      name: 'tiny',
      command: process.execPath,
      args: ['-e', `require('node:http').createServer((q, s) => s.end()).listen(${port}, '127.0.0.1')`],
      healthUrl: `http://127.0.0.1:${port}/`,
    });
  },
});

test('every start is measured on its own server, stopped before the next, and the median is the middle one', async () => {
  const ports: number[] = [];
  const startups = await measureStartups(tinyServer(ports), 3);
  assert.equal(startups.samplesMs.length, 3);
  assert.equal(new Set(ports).size, 3, 'each start on a port of its own');
  for (const ms of startups.samplesMs) assert.ok(ms > 0);
  assert.equal(startups.medianMs, [...startups.samplesMs].sort((a, b) => a - b)[1]);
  for (const port of ports) assert.equal(await getStatus(`http://127.0.0.1:${port}/`), 0, 'stopped');
});

const names: TargetNames = {
  baton: 'Baton',
  bare: 'bare',
  floor: 'floor',
  nestjs: 'nest',
  django: 'django',
  bareVerify: { ES256: 'b1', EdDSA: 'b2', RS256: 'b3' },
  batonSigning: { ES256: 'Baton', EdDSA: 's2', RS256: 's3' },
};
const startTarget = (samplesMs?: number[], medianMs = Number.NaN) => {
  const run = {
    stacks: new Map(),
    rawCommitsPerSecond: Number.NaN,
    ...(samplesMs ? { batonStartups: { samplesMs, medianMs } } : {}),
  };
  return computeTargets(run, names).find((target) => target.name.startsWith('Baton: start to first 200'))!;
};

test('the start-up target is the median of the fresh starts, not one of them', () => {
  const met = startTarget([650, 420, 480], 480);
  assert.equal(met.ratio, 480);
  assert.match(met.detail, /^480 ms \(650, 420, 480\)$/);
  assert.ok(isMet(met));
  assert.ok(!isMet(startTarget([520, 430, 560], 520)));
});

test('without fresh starts the start-up target is not met and says it was not measured', () => {
  const target = startTarget();
  assert.equal(target.detail, 'not measured');
  assert.ok(!isMet(target));
});
