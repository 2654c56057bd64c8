#!/usr/bin/env node
/**
 * `npm test`'s last step: every workspace's tests, two lanes at a time instead of one after the
 * other. Run one by one they took 18 of CI's 27 minutes on a slow 2-core machine, using 1.3 cores
 * on average: much of a suite's time is spent waiting (for a browser, a child server, npm, the
 * disk). Each workspace's output is held until it ends and then printed whole, so two suites
 * never interleave their lines. `BATON_TEST_SERIAL=1` runs them one at a time in npm's order.
 *
 * Which suites may share the machine with which is decided here, not guessed:
 * - `@baton/packaging` runs last and alone: `npm pack` runs each package's `prepack`, which
 *   deletes and rebuilds its `dist/`, which the other suites' servers and examples load.
 * - `@baton/e2e` and `@baton/example-nestjs-api` both build the NestJS example into the same
 *   `dist/`, so they share a lane, one after the other.
 * - Otherwise the lanes are balanced by the suites' durations in CI (server 290 s, e2e 225 s,
 *   client 110 s, bench 110 s, the rest under 30 s each).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const LANES = [
  [
    '@baton/server',
    '@baton/angular',
    '@baton/ionic-app',
    '@baton/example-express-api',
    '@baton/example-django-api',
  ],
  ['@baton/e2e', '@baton/example-nestjs-api', '@baton/client', '@baton/bench'],
];
const LAST = ['@baton/packaging'];

/** Every workspace with a `test` script, by name, in the order of the root `workspaces` list. */
function testedWorkspaces() {
  const root = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return root.workspaces
    .map((dir) => JSON.parse(readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8')))
    .filter((manifest) => manifest.scripts?.test)
    .map((manifest) => manifest.name);
}

/** Runs one workspace's tests with its output held; resolves to whether they passed. */
function runTests(name) {
  const started = performance.now();
  console.log(`▶ ${name}: tests started`);
  const child = spawn('npm', ['run', 'test', '-w', name], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks = [];
  child.stdout.on('data', (chunk) => chunks.push(chunk));
  child.stderr.on('data', (chunk) => chunks.push(chunk));
  return new Promise((resolve) => {
    const finish = (passed, why) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(0);
      const verdict = passed ? 'passed' : `FAILED (${why})`;
      process.stdout.write(`\n──── ${name}: ${verdict} in ${seconds} s ────\n`);
      process.stdout.write(Buffer.concat(chunks));
      process.stdout.write(`──── end of ${name} ────\n\n`);
      resolve({ name, passed, seconds });
    };
    child.on('error', (error) => finish(false, error.message));
    child.on('close', (code, signal) => finish(code === 0, signal ?? `exit code ${code}`));
  });
}

async function runLane(names) {
  const results = [];
  for (const name of names) results.push(await runTests(name));
  return results;
}

const all = testedWorkspaces();
const unknown = [...LANES.flat(), ...LAST].filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`scripts/test-workspaces.mjs names workspaces without tests: ${unknown.join(', ')}`);
  process.exit(1);
}
let results;
if (process.env.BATON_TEST_SERIAL === '1') {
  results = await runLane(all);
} else {
  // A workspace added since this list was written still runs: at the end of the first lane.
  const placed = new Set([...LANES.flat(), ...LAST]);
  const lanes = LANES.map((lane, index) =>
    index === 0 ? [...lane, ...all.filter((n) => !placed.has(n))] : lane,
  );
  results = (await Promise.all(lanes.map(runLane))).flat();
  results.push(...(await runLane(LAST)));
}
console.log('Workspace tests:');
for (const { name, passed, seconds } of results)
  console.log(`  ${passed ? 'passed' : 'FAILED'}  ${name} (${seconds} s)`);
process.exit(results.every((result) => result.passed) ? 0 : 1);
