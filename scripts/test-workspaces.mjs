#!/usr/bin/env node
/**
 * `npm test`'s last step: every workspace's tests, the Node-only suites two at a time instead of
 * one after the other. Run one by one, the suites took 18 of CI's 27 minutes on a slow 2-core
 * machine at 1.3 cores on average: much of a suite's time is spent waiting (for a child server,
 * npm, the disk). Each workspace's output is held until it ends and then printed whole, so two
 * suites never interleave their lines; a line every minute says which are still running.
 * `BATON_TEST_SERIAL=1` runs them one at a time in npm's order.
 *
 * Which suites may share the machine with which is decided here:
 * - First, the server's suite beside the other Node-only suites, one after another.
 * - Then `@baton/e2e` alone, and after it `@baton/example-nestjs-api`: both build the NestJS
 *   example into the same `dist/`. The browser suite beside the server's stalled past its
 *   timeouts on that machine.
 * - `@baton/packaging` last and alone: `npm pack` runs each package's `prepack`, which deletes and
 *   rebuilds its `dist/`, which the other suites' servers and examples load.
 * A suite still running after `BATON_SUITE_MINUTES` (20) is stopped and counts as failed, so a
 * stall ends CI with its output instead of hanging it.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SUITE_MS = Number(process.env.BATON_SUITE_MINUTES ?? 20) * 60_000;

/** Phases run one after the other; the lanes of a phase run side by side. */
const PHASES = [
  [
    ['@baton/server'],
    [
      '@baton/client',
      '@baton/bench',
      '@baton/angular',
      '@baton/ionic-app',
      '@baton/example-express-api',
      '@baton/example-django-api',
    ],
  ],
  [['@baton/e2e', '@baton/example-nestjs-api']],
  [['@baton/packaging']],
];

/** Every workspace with a `test` script, by name, in the order of the root `workspaces` list. */
function testedWorkspaces() {
  const root = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return root.workspaces
    .map((dir) => JSON.parse(readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8')))
    .filter((manifest) => manifest.scripts?.test)
    .map((manifest) => manifest.name);
}

const running = new Map();
const heartbeat = setInterval(() => {
  const now = performance.now();
  const list = [...running].map(([name, started]) => `${name} (${((now - started) / 1000).toFixed(0)} s)`);
  if (list.length > 0) console.log(`… still running: ${list.join(', ')}`);
}, 60_000);

/** Runs one workspace's tests with its output held; resolves to whether they passed. */
function runTests(name) {
  const started = performance.now();
  running.set(name, started);
  console.log(`▶ ${name}: tests started`);
  // A process group of its own, so a stalled suite can be stopped with everything it started.
  const child = spawn('npm', ['run', 'test', '-w', name], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const chunks = [];
  child.stdout.on('data', (chunk) => chunks.push(chunk));
  child.stderr.on('data', (chunk) => chunks.push(chunk));
  let timedOut = false;
  const limit = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // It ended meanwhile.
    }
  }, SUITE_MS);
  return new Promise((resolve) => {
    const finish = (passed, why) => {
      clearTimeout(limit);
      running.delete(name);
      const seconds = ((performance.now() - started) / 1000).toFixed(0);
      const verdict = passed ? 'passed' : `FAILED (${why})`;
      process.stdout.write(`\n──── ${name}: ${verdict} in ${seconds} s ────\n`);
      process.stdout.write(Buffer.concat(chunks));
      process.stdout.write(`──── end of ${name} ────\n\n`);
      resolve({ name, passed, seconds });
    };
    child.on('error', (error) => finish(false, error.message));
    child.on('close', (code, signal) =>
      finish(
        code === 0,
        timedOut ? `stopped after ${SUITE_MS / 60_000} minutes` : (signal ?? `exit code ${code}`),
      ),
    );
  });
}

async function runLane(names) {
  const results = [];
  for (const name of names) results.push(await runTests(name));
  return results;
}

const all = testedWorkspaces();
const placed = PHASES.flat(2);
const unknown = placed.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`scripts/test-workspaces.mjs names workspaces without tests: ${unknown.join(', ')}`);
  process.exit(1);
}
const results = [];
if (process.env.BATON_TEST_SERIAL === '1') {
  results.push(...(await runLane(all)));
} else {
  // A workspace added since this list was written still runs, alone, before the packaging test.
  const unplaced = all.filter((name) => !placed.includes(name));
  const phases = [...PHASES.slice(0, -1), ...(unplaced.length > 0 ? [[unplaced]] : []), PHASES.at(-1)];
  for (const lanes of phases) results.push(...(await Promise.all(lanes.map(runLane))).flat());
}
clearInterval(heartbeat);
console.log('Workspace tests:');
for (const { name, passed, seconds } of results)
  console.log(`  ${passed ? 'passed' : 'FAILED'}  ${name} (${seconds} s)`);
process.exit(results.every((result) => result.passed) ? 0 : 1);
