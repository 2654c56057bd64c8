/**
 * The login storm's reference (`measureHashingBeside`): the latency probe on a server with no
 * auth, quiet and while argon2 hashes in other processes as Baton's hashing threads would. No
 * timing here: the test checks that the hashing really ran beside the probe, at Baton's nice value.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { measureHashingBeside, PLAN, type StackResult } from '../lib/scenarios.js';

/** Baton's argon2 settings, from its source (the bench's tests do not build the server). */
const PASSWORDS = fileURLToPath(new URL('../../packages/server/src/auth/passwords.ts', import.meta.url));
const { HASH_CONCURRENCY, HASHING_NICE } = (await import(PASSWORDS)) as {
  HASH_CONCURRENCY: number;
  HASHING_NICE: number;
};

/** Whether some process is hashing as the bench's stand-in for Baton's hashing threads. */
function hashingProcessRuns(): boolean {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args.some((arg) => arg.endsWith('hashTimeMain.ts')) && args.includes('--at-baton-nice'))
        return true;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return false;
}

test('the storm reference probes a server quiet, then with argon2 hashing beside it at the hashing threads’ nice value', {
  skip: process.platform === 'linux' ? false : 'skipped: reads /proc (Linux only)',
}, async () => {
  // A real HTTP server in this process counts the probe's requests by whether hashing ran then.
  let hashing = false;
  const poll = setInterval(() => {
    hashing = hashingProcessRuns();
  }, 50);
  const answered = { quiet: 0, hashing: 0 };
  const server = createServer((_request, response) => {
    answered[hashing ? 'hashing' : 'quiet']++;
    response.writeHead(200, { 'content-type': 'application/json' }).end('[]');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const result: StackResult = { stack: 'test server', startupMs: 0, gets: [], durableRefresh: false };
  const seconds = 2;
  try {
    await measureHashingBeside(
      { baseUrl: `http://127.0.0.1:${port}`, stack: { name: 'test server', todosPath: '/todos' } },
      result,
      () => {},
      { seconds, passwordsModule: PASSWORDS },
    );
  } finally {
    clearInterval(poll);
    await new Promise((resolve) => server.close(resolve));
  }
  const beside = result.hashingBeside;
  assert.ok(beside, 'the reference is recorded');
  const measured = PLAN.probeRate * seconds;
  for (const probe of [beside.quiet, beside.during]) {
    assert.equal(probe.sent, measured);
    assert.equal(probe.errors, 0);
  }
  // Each probe also warms up for a second; its measured requests all fall in its phase, give or
  // take the poll's 50 ms at either end.
  const slack = PLAN.probeRate / 10;
  assert.ok(answered.quiet >= measured - slack, `quiet requests: ${answered.quiet}`);
  assert.ok(answered.hashing >= measured - slack, `requests answered while hashing ran: ${answered.hashing}`);
  assert.equal(beside.hashing.threads, HASH_CONCURRENCY);
  assert.equal(beside.hashing.nice, HASHING_NICE);
  assert.ok(beside.hashing.verifiesPerSecond > 0);
});
