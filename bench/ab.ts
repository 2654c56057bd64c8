/**
 * `npm run ab -w @baton/bench`: refresh rotations (or GETs) of two Baton variants, side by side, in
 * alternating rounds (see bench/README.md, "Comparing two variants"). It starts what exists and
 * builds nothing: `npm run build -w @baton/server` first.
 *
 * Environment:
 * - `AB_A`, `AB_B`: each variant as JSON, `{"label", "bundle", "args", "env", "redis"}` (all optional; see
 *   `AbVariant` in lib/ab.ts). Default: this checkout's build, twice.
 * - `AB_STORE`: `sqlite` (default) or `postgres` (skipped with a line when PostgreSQL does not answer).
 * - `AB_ROUNDS` (6), `AB_SECONDS` (3), `AB_CLIENTS` (16), `AB_USERS` (1,000).
 * - `AB_PROBE`: protected GETs a second, open loop, during the rotations (default 0: none).
 * - `AB_LOAD=gets`: protected GETs instead of rotations (SQLite; `lib/abGets.ts`): per round, one
 *   token and more distinct tokens than the token cache holds, with CPU per request and peak RSS.
 */
import { mkdirSync } from 'node:fs';
import { type AbVariant, describeCpu, runAb } from './lib/ab.js';
import { GET_AB_CASES, runGetAb } from './lib/abGets.js';
import { BENCH_WORK } from './lib/stacks.js';
import { wrkAvailable } from './lib/wrk.js';

function variant(name: 'A' | 'B'): AbVariant {
  const text = process.env[`AB_${name}`];
  const parsed: unknown = text ? JSON.parse(text) : {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TypeError(`AB_${name} must be a JSON object, such as {"label": "before", "env": {}}`);
  }
  return { label: name, ...(parsed as Partial<AbVariant>) };
}

function whole(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!(value > 0)) throw new TypeError(`${name} must be a positive number`);
  return value;
}

const load = process.env.AB_LOAD ?? 'refresh';
if (load !== 'refresh' && load !== 'gets') throw new TypeError('AB_LOAD must be refresh or gets');
if (load === 'gets') {
  if (!(await wrkAvailable())) throw new Error('AB_LOAD=gets needs wrk: apt-get install wrk');
  const ignored = ['AB_STORE', 'AB_CLIENTS', 'AB_PROBE'].filter((name) => process.env[name] !== undefined);
  if (ignored.length > 0)
    throw new TypeError(`AB_LOAD=gets measures SQLite GETs only: unset ${ignored.join(', ')}`);
  mkdirSync(BENCH_WORK, { recursive: true });
  const summaries = await runGetAb(
    {
      variants: [variant('A'), variant('B')],
      rounds: whole('AB_ROUNDS', 6),
      seconds: whole('AB_SECONDS', 3),
      users: whole('AB_USERS', 1000),
    },
    (line) => console.log(line),
  );
  for (const summary of summaries) {
    const cases = GET_AB_CASES.map((name) => {
      const measured = summary.cases[name];
      return (
        `${name}: median ${measured.medianPerSecond.toFixed(0)} req/s, ${measured.medianCpuMicros.toFixed(1)} µs ` +
        `per request (rounds: ${measured.cpuMicros.map((micros) => micros.toFixed(1)).join(', ')})`
      );
    });
    console.log(`${summary.label}: peak RSS ${summary.peakRssMiB.toFixed(0)} MiB; ${cases.join('; ')}`);
  }
  process.exit(0);
}

const store = process.env.AB_STORE ?? 'sqlite';
if (store !== 'sqlite' && store !== 'postgres') throw new TypeError('AB_STORE must be sqlite or postgres');
mkdirSync(BENCH_WORK, { recursive: true });
const outcome = await runAb(
  {
    store,
    variants: [variant('A'), variant('B')],
    rounds: whole('AB_ROUNDS', 6),
    seconds: whole('AB_SECONDS', 3),
    clients: whole('AB_CLIENTS', 16),
    users: whole('AB_USERS', 1000),
    probeRate: Number(process.env.AB_PROBE ?? 0),
  },
  (line) => console.log(line),
);
if ('skipped' in outcome) {
  console.log(`skipped: ${outcome.skipped}`);
} else {
  for (const summary of outcome) {
    console.log(
      `${summary.label}: median ${summary.medianPerSecond.toFixed(0)} rotations/s ` +
        `(rounds: ${summary.rates.map((rate) => rate.toFixed(0)).join(', ')}; ${summary.failed} refused), ` +
        `median p99 ${summary.medianP99Ms.toFixed(2)} ms ` +
        `(rounds: ${summary.p99Ms.map((ms) => ms.toFixed(2)).join(', ')})` +
        (summary.getP99Ms
          ? `, GET median p99 ${summary.medianGetP99Ms?.toFixed(2)} ms ` +
            `(rounds: ${summary.getP99Ms.map((ms) => ms.toFixed(2)).join(', ')})`
          : '') +
        (summary.cpu ? `; the median round's µs per rotation: ${describeCpu(summary.cpu)}` : ''),
    );
  }
}
