/**
 * `npm run profile -w @baton/bench`: where Baton's time goes on its busiest paths. Runs Baton as
 * the bench does (info logging, default settings) under `node --cpu-prof` and loads it:
 *
 * - `get-cached`: the protected GET with one token (the verified-token cache answers);
 * - `get-bypassed`: the protected GET with the token cache off (`BATON_TOKEN_CACHE=0`), 1,000
 *   users' tokens, a full ES256 check per request;
 * - `refresh-sqlite`: durable refresh rotations on the embedded SQLite store, 16 chains;
 * - `refresh-postgres`: the same on PostgreSQL (rate limits through Redis when it answers), run
 *   when PostgreSQL answers and skipped with a line when not.
 *
 * Per case it writes a summary (docs/perf/<case>.md) and a flame graph (docs/perf/<case>.svg) of
 * the samples taken while the load ran, not of the start-up and the sign-ups before it. Needs a
 * built server (`npm run build -w @baton/server`) and wrk.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CpuProfile, flameGraph, monotonicMicros, samplesBetween, summarise } from './lib/cpuProfile.js';
import { freePort } from './lib/http.js';
import { batonOnPostgresEnv, redisAnswers } from './lib/pgSection.js';
import { type BenchDatabase, openBenchDatabase, settleTables } from './lib/postgres.js';
import { registerAll } from './lib/prepare.js';
import { runRefreshChains } from './lib/refresh.js';
import { PLAN } from './lib/scenarios.js';
import {
  accountFor,
  BATON_NODE_FLAGS,
  BENCH_WORK,
  baton,
  launchBaton,
  REPO_ROOT,
  type TokenPair,
} from './lib/stacks.js';
import { writeTokens } from './lib/tokens.js';
import { measureGets } from './lib/wrk.js';

const OUT = join(REPO_ROOT, 'docs', 'perf');
/** Seconds of load per case, after the warm-up. */
const SECONDS = 8;
const WARM_UP_SECONDS = 2;

interface Case {
  readonly name: string;
  readonly title: string;
  readonly users: number;
  readonly env: Record<string, string>;
  /** PostgreSQL for the store (the case is skipped without it). */
  readonly postgres?: true;
  /** Runs the load on Baton at `url`; says what it measured, for the summary. */
  readonly load: (url: string, sessions: TokenPair[], workDir: string) => Promise<string>;
}

const getLoad = async (url: string, sessions: TokenPair[], workDir: string) => {
  const tokensFile = writeTokens(
    join(workDir, 'tokens'),
    sessions.map((pair) => pair.accessToken),
  );
  const load = await measureGets(
    { url: `${url}/todos`, seconds: SECONDS, connections: PLAN.connections, tokensFile },
    WARM_UP_SECONDS,
  );
  return `${load.requestsPerSecond.toFixed(0)} req/s under \`wrk -t1 -c${PLAN.connections}\``;
};

const refreshLoad = async (url: string, sessions: TokenPair[]) => {
  await runRefreshChains(url, baton.auth!, sessions, PLAN.concurrentChains, WARM_UP_SECONDS);
  const result = await runRefreshChains(url, baton.auth!, sessions, PLAN.concurrentChains, SECONDS);
  // A refused refresh is cheap: a profile with many would show the limiter, not a rotation.
  if (result.failed > 0) {
    throw new Error(
      `${result.failed} refreshes were refused (each user may refresh 120 times a minute): raise REFRESH_USERS`,
    );
  }
  return `${result.perSecond.toFixed(0)} rotations/s from ${PLAN.concurrentChains} refresh chains over ${sessions.length} users, none refused`;
};

/**
 * Users whose chains the refresh cases spread over: each may refresh 120 times a minute, so 1,000
 * carry the 11 s of a case (warm-ups included) up to 10,000 rotations/s.
 */
const REFRESH_USERS = 1000;

const CASES: readonly Case[] = [
  {
    name: 'get-cached',
    title: 'Protected GET, one token (verified-token cache answers)',
    users: 1,
    env: {},
    load: getLoad,
  },
  {
    name: 'get-bypassed',
    title: 'Protected GET, token cache off (a full ES256 check each), 1,000 users',
    users: 1000,
    env: { BATON_TOKEN_CACHE: '0' },
    load: getLoad,
  },
  {
    name: 'refresh-sqlite',
    title: 'Durable refresh rotations, SQLite, 16 chains over 1,000 users',
    users: REFRESH_USERS,
    env: {},
    load: refreshLoad,
  },
  {
    name: 'refresh-postgres',
    title: 'Durable refresh rotations, PostgreSQL, 16 chains over 1,000 users',
    users: REFRESH_USERS,
    env: {},
    postgres: true,
    load: refreshLoad,
  },
];

async function profileCase(profiled: Case, db: BenchDatabase | undefined): Promise<void> {
  const workDir = mkdtempSync(join(BENCH_WORK, 'profile-'));
  const profileDir = join(workDir, 'profile');
  const port = await freePort();
  const server = await launchBaton(port, workDir, {
    args: [
      ...BATON_NODE_FLAGS,
      '--cpu-prof',
      `--cpu-prof-dir=${profileDir}`,
      // The unbundled command: the code of the bundled `baton` (dist/bundle/cli.js) in its own
      // files, so the summary can name Baton's modules.
      join(REPO_ROOT, 'packages/server/dist/cli.js'),
      'serve',
    ],
    env: { ...profiled.env, ...(db ? batonOnPostgresEnv(db, await redisAnswers()) : {}) },
  });
  const url = `http://127.0.0.1:${port}`;
  let measured: string;
  let from: number;
  let to: number;
  try {
    const sessions = await registerAll(
      url,
      baton,
      Array.from({ length: profiled.users }, (_, i) => accountFor(i)),
    );
    // As the bench's PostgreSQL section: a history of spent tokens, and fresh statistics.
    if (db) await settleTables(db);
    from = monotonicMicros();
    measured = await profiled.load(url, sessions, workDir);
    to = monotonicMicros();
  } finally {
    await server.stop();
  }
  // The main thread's profile is the largest (the hashing thread writes one too).
  const file = readdirSync(profileDir)
    .map((name) => join(profileDir, name))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (!file) throw new Error('no profile was written');
  const profile = samplesBetween(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, from, to);
  writeFileSync(join(OUT, `${profiled.name}.svg`), flameGraph(profile, profiled.title));
  writeFileSync(
    join(OUT, `${profiled.name}.md`),
    `# ${profiled.title}\n\nWritten by \`npm run profile -w @baton/bench\` on ${new Date().toISOString()}: ` +
      `Baton at info level, ${measured} while profiled (the profiler slows it), ` +
      `${SECONDS} s after ${WARM_UP_SECONDS} s of warm-up; only the samples of the load (warm-up included) are counted. ` +
      `Flame graph: [${profiled.name}.svg](${profiled.name}.svg). Shares are of all samples; ` +
      "`(idle)` is the event loop waiting, `writev` the socket writes (the kernel's loopback work " +
      'is counted there too).\n\n' +
      `${summarise(profile)}\n`,
  );
  console.log(`${profiled.name}: ${measured}, profile summarised in docs/perf/${profiled.name}.md`);
  rmSync(workDir, { recursive: true, force: true });
}

mkdirSync(BENCH_WORK, { recursive: true });
mkdirSync(OUT, { recursive: true });
for (const profiled of CASES) {
  if (!profiled.postgres) {
    await profileCase(profiled, undefined);
    continue;
  }
  const db = await openBenchDatabase();
  if (typeof db === 'string') {
    console.log(`${profiled.name}: skipped: ${db}`);
    continue;
  }
  try {
    await profileCase(profiled, db);
  } finally {
    await db.drop();
  }
}
