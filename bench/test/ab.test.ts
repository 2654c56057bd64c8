/**
 * `npm run ab` (`lib/ab.ts`): two real Baton servers, started from the source, refresh their
 * chains in rounds that alternate which goes first, and each variant is summarised by its median
 * round. No timing thresholds: only that every round ran, in turn, and is counted.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { type AbOptions, type AbVariant, runAb } from '../lib/ab.js';
import { GET_AB_CASES, runGetAb } from '../lib/abGets.js';
import { openBenchDatabase } from '../lib/postgres.js';
import { BENCH_WORK, REPO_ROOT } from '../lib/stacks.js';
import { wrkAvailable } from '../lib/wrk.js';

mkdirSync(BENCH_WORK, { recursive: true });

/** Baton from its TypeScript source: the bench's tests do not build the bundle. */
const fromSource = (label: string, env: Record<string, string> = {}): AbVariant => ({
  label,
  args: [
    '--conditions=@baton/source',
    '--import',
    'tsx',
    join(REPO_ROOT, 'packages/server/src/cli.ts'),
    'serve',
  ],
  env,
});

const small = (store: AbOptions['store'], variants: AbOptions['variants']): AbOptions => ({
  store,
  variants,
  rounds: 2,
  seconds: 0.5,
  // Each user may refresh 120 times a minute: 100 users carry two rounds of 1 s (warm-up
  // included) at up to 6,000 rotations/s.
  users: 100,
  clients: 4,
});

test('two variants refresh in alternating rounds, each summarised by its median round', async () => {
  const lines: string[] = [];
  const outcome = await runAb(
    {
      ...small('sqlite', [fromSource('before'), fromSource('after', { BATON_LOG_LEVEL: 'warn' })]),
      probeRate: 100,
    },
    (line) => lines.push(line),
  );
  assert.ok(!('skipped' in outcome), 'SQLite needs nothing to be skipped for');
  assert.deepEqual(
    outcome.map((summary) => summary.label),
    ['before', 'after'],
  );
  const order = lines.filter((line) => line.startsWith('round ')).map((line) => line.split(':')[0]);
  assert.deepEqual(order, ['round 1, before', 'round 1, after', 'round 2, after', 'round 2, before']);
  for (const summary of outcome) {
    assert.equal(summary.rates.length, 2);
    assert.ok(
      summary.rates.every((rate) => rate > 0),
      `${summary.label} rotated in every round`,
    );
    assert.equal(summary.failed, 0, 'no chain was refused');
    assert.ok(summary.rates.includes(summary.medianPerSecond), 'the median is one of the rounds');
    assert.equal(summary.p99Ms.length, 2);
    assert.ok(
      summary.p99Ms.every((ms) => ms > 0 && ms < 10_000),
      `${summary.label}: a p99 round trip in every round (${summary.p99Ms.join(', ')} ms)`,
    );
    assert.ok(summary.p99Ms.includes(summary.medianP99Ms));
    assert.equal(summary.getP99Ms?.length, 2, 'a GET probe ran beside the chains in every round');
    assert.ok(summary.getP99Ms.every((ms) => ms > 0 && ms < 10_000));
    assert.ok(summary.medianGetP99Ms !== undefined && summary.getP99Ms.includes(summary.medianGetP99Ms));
    assert.ok(summary.cpu, `${summary.label}: a CPU split for its median round`);
    assert.ok(summary.cpu.server > 0);
    // Both read in whole clock ticks: the main thread's share cannot pass the process's by more.
    assert.ok(summary.cpu.serverLoop <= summary.cpu.server + 20_000 / (summary.medianPerSecond * 0.5));
  }
});

test('on PostgreSQL each variant gets a schema of its own, dropped at the end', async (t) => {
  const probe = await openBenchDatabase();
  if (typeof probe === 'string') {
    t.skip(`skipped: ${probe}`);
    return;
  }
  await probe.drop();
  const outcome = await runAb(
    small('postgres', [fromSource('redis'), { ...fromSource('memory'), redis: false }]),
    () => {},
  );
  assert.ok(!('skipped' in outcome));
  for (const summary of outcome)
    assert.ok(
      summary.rates.every((rate) => rate > 0),
      summary.label,
    );
  const client = new pg.Client({ connectionString: probe.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM information_schema.schemata WHERE schema_name LIKE $1',
      [`baton_bench_${process.pid}_%`],
    );
    assert.equal(rows[0]?.count, 0, 'no schema of this run is left');
  } finally {
    await client.end();
  }
});

const NO_WRK = 'wrk (Debian package) is not installed';
const wrkMissing = !(await wrkAvailable());
// CI installs it (scripts/ci-install-system.sh): there a missing one fails the run instead of skipping.
if (wrkMissing && process.env.CI === 'true') throw new Error(`${NO_WRK}: CI=true requires it`);
if (wrkMissing) console.log(`skipped: ${NO_WRK}`);

test('two variants serve GETs in alternating rounds, with CPU per request and peak RSS each', {
  skip: wrkMissing ? NO_WRK : false,
}, async () => {
  const lines: string[] = [];
  const summaries = await runGetAb(
    {
      variants: [fromSource('before'), fromSource('after', { BATON_LOG_LEVEL: 'warn' })],
      rounds: 2,
      seconds: 1,
      users: 20,
    },
    (line) => lines.push(line),
  );
  assert.deepEqual(
    summaries.map((summary) => summary.label),
    ['before', 'after'],
  );
  const order = lines.filter((line) => line.startsWith('round ')).map((line) => line.split(':')[0]);
  assert.deepEqual(order, [
    'round 1, one token, before',
    'round 1, one token, after',
    'round 1, distinct tokens, before',
    'round 1, distinct tokens, after',
    'round 2, one token, after',
    'round 2, one token, before',
    'round 2, distinct tokens, after',
    'round 2, distinct tokens, before',
  ]);
  for (const summary of summaries) {
    assert.ok(summary.peakRssMiB > 0, `${summary.label}: a peak RSS`);
    for (const name of GET_AB_CASES) {
      const measured = summary.cases[name];
      assert.equal(measured.rates.length, 2);
      assert.ok(
        measured.rates.every((rate) => rate > 0),
        `${summary.label}, ${name}: served in every round`,
      );
      assert.ok(measured.rates.includes(measured.medianPerSecond), 'the median is one of the rounds');
      assert.ok(
        measured.cpuMicros.every((micros) => Number.isFinite(micros) && micros > 0),
        `${summary.label}, ${name}: CPU per request in every round (${measured.cpuMicros.join(', ')})`,
      );
      assert.ok(measured.cpuMicros.includes(measured.medianCpuMicros));
    }
  }
});
