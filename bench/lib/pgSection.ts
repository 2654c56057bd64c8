import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { type CpuShares, cpuMeter } from './cpuSplit.js';
import { freePort } from './http.js';
import { type LoginResult, measureLogins } from './login.js';
import {
  type BenchDatabase,
  HISTORY_PER_SESSION,
  measureRawPgCommits,
  openBenchDatabase,
  settleTables,
} from './postgres.js';
import { registerAll } from './prepare.js';
import type { RunningServer } from './processes.js';
import { runRefreshChains } from './refresh.js';
import { PLAN } from './scenarios.js';
import { accountFor, BENCH_WORK, baton, type TokenPair } from './stacks.js';
import { median } from './stats.js';
import { writeTokens } from './tokens.js';
import { type LoadResult, measureGets } from './wrk.js';

/** Baton on PostgreSQL with `instances` server processes sharing one database. */
export interface PgInstancesResult {
  readonly instances: number;
  readonly refreshPerSecond: number;
  readonly refreshFailed: number;
  /** CPU per rotation by whom, in µs, in the median round; undefined without /proc. */
  readonly cpuPerRotation: CpuShares | undefined;
  readonly get: LoadResult;
  readonly logins: LoginResult;
  readonly startupMs: number;
  readonly peakRssMiB: number;
}

export interface PgSectionResult {
  readonly durability: string;
  readonly redis: boolean;
  readonly users: number;
  /** The machine's cores, which Baton, PostgreSQL, Redis and the load generator all share. */
  readonly cores: number;
  /** Rows of `refresh_tokens` when the first round began: the users' own and their history. */
  readonly refreshTokens: number;
  readonly rawCommitsPerSecond: number;
  /** CPU per raw commit by whom (PostgreSQL, and the bench as its client), in µs, in the median round. */
  readonly cpuPerRawCommit: CpuShares | undefined;
  readonly runs: readonly PgInstancesResult[];
}

/** One measured round: its rate, and the CPU per operation by whom. */
interface Metered {
  readonly perSecond: number;
  readonly cpu: CpuShares | undefined;
}

type Step = (what: string, work: () => Promise<unknown>) => Promise<boolean>;

/** Users registered for the PostgreSQL section: enough that no user passes the refresh limit. */
const PG_USERS = 400;

/**
 * What Baton needs to run on `db`: one secret and one issuer for every instance, as
 * docs/deploy.md asks (the default names each one's port), and rate limits shared through Redis
 * when `redis` (it answers).
 */
export function batonOnPostgresEnv(db: BenchDatabase, redis: boolean): Record<string, string> {
  return {
    BATON_DATABASE_URL: db.schemaUrl,
    BATON_SECRET: randomBytes(32).toString('base64url'),
    BATON_ISSUER: 'http://baton.bench',
    ...(redis ? { BATON_REDIS_URL: 'redis://127.0.0.1:6379' } : {}),
  };
}

/** Whether Redis answers on its default local port (the PostgreSQL runs share rate limits through it). */
export function redisAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: 6379, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * The PostgreSQL section: raw durable commits at the refresh concurrency, then Baton with one
 * instance and with two on the same database (rate limits shared through Redis when it answers):
 * refresh rotations (interleaved rounds, median kept), the protected GET and logins.
 */
export async function measurePostgres(
  step: Step,
  log: (line: string) => void,
): Promise<PgSectionResult | { skipped: string }> {
  const db = await openBenchDatabase();
  if (typeof db === 'string') return { skipped: db };
  const servers: RunningServer[] = [];
  try {
    return await measureOn(db, servers, step, log);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await db.drop().catch(() => {});
  }
}

async function measureOn(
  db: BenchDatabase,
  servers: RunningServer[],
  step: Step,
  log: (line: string) => void,
): Promise<PgSectionResult> {
  const redis = await redisAnswers();
  const env = batonOnPostgresEnv(db, redis);
  const urls: string[] = [];
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    servers.push(await baton.launch(port, mkdtempSync(join(BENCH_WORK, 'pg-')), env));
    urls.push(`http://127.0.0.1:${port}`);
    log(`Baton on PostgreSQL, instance ${i + 1}: up in ${servers[i]!.startupMs.toFixed(0)} ms`);
  }
  const accounts = Array.from({ length: PG_USERS }, (_, i) => accountFor(i));
  const sessions: TokenPair[] = await registerAll(urls[0]!, baton, accounts);
  log(`Baton on PostgreSQL: registered ${sessions.length} users`);
  const refreshTokens = await settleTables(db);
  log(
    `Baton on PostgreSQL: ${refreshTokens} refresh tokens after adding ${HISTORY_PER_SESSION} spent ones per session`,
  );
  const tokensFile = writeTokens(
    join(BENCH_WORK, `pg-users-${process.pid}.tokens`),
    sessions.map((pair) => pair.accessToken),
  );

  // Each round keeps its CPU split beside its rate, so that the split reported is the median round's.
  const raw: Metered[] = [];
  const refresh = [[], []] as (Metered & { failed: number })[][];
  const serverPids = servers.map((server) => server.pid);
  for (let round = 0; round < PLAN.refreshRounds; round++) {
    await step('raw PostgreSQL commits', async () => {
      const meter = cpuMeter(serverPids);
      const perSecond = await measureRawPgCommits(db, PLAN.concurrentChains, PLAN.refreshSeconds, meter);
      raw.push({ perSecond, cpu: meter.last() });
      log(
        `round ${round + 1}: raw PostgreSQL durable commits (${PLAN.concurrentChains} clients): ${perSecond.toFixed(0)}/s`,
      );
    });
    for (const count of [1, 2]) {
      await step(`Baton on PostgreSQL x${count}: refresh`, async () => {
        const meter = cpuMeter(serverPids);
        const result = await runRefreshChains(
          urls.slice(0, count),
          baton.auth!,
          sessions,
          PLAN.concurrentChains,
          PLAN.refreshSeconds,
          meter,
        );
        refresh[count - 1]!.push({ perSecond: result.perSecond, failed: result.failed, cpu: meter.last() });
        log(`round ${round + 1}: Baton on PostgreSQL x${count}: refresh ${result.perSecond.toFixed(0)}/s`);
      });
    }
  }

  const runs: PgInstancesResult[] = [];
  for (const count of [1, 2]) {
    const targets = urls.slice(0, count);
    let get: LoadResult | undefined;
    let logins: LoginResult | undefined;
    await step(`Baton on PostgreSQL x${count}: GET`, async () => {
      // One wrk per instance, the connections split between them; their rates add up.
      const loads = await Promise.all(
        targets.map((url) =>
          measureGets(
            {
              url: `${url}/todos`,
              seconds: PLAN.getSeconds,
              connections: PLAN.connections / count,
              tokensFile,
            },
            2,
          ),
        ),
      );
      get = {
        requestsPerSecond: loads.reduce((sum, load) => sum + load.requestsPerSecond, 0),
        p50Ms: Math.max(...loads.map((load) => load.p50Ms)),
        p99Ms: Math.max(...loads.map((load) => load.p99Ms)),
        requests: loads.reduce((sum, load) => sum + load.requests, 0),
        errors: loads.reduce((sum, load) => sum + load.errors, 0),
      };
      log(`Baton on PostgreSQL x${count}: GET ${get.requestsPerSecond.toFixed(0)} req/s`);
    });
    await step(`Baton on PostgreSQL x${count}: login`, async () => {
      logins = await measureLogins(
        targets,
        baton.auth!,
        accounts.slice(0, 32),
        PLAN.loginClients,
        PLAN.loginSeconds,
      );
      log(`Baton on PostgreSQL x${count}: login ${logins.perSecond.toFixed(1)}/s`);
    });
    const rounds = refresh[count - 1]!;
    const middle = median(rounds, (r) => r.perSecond);
    runs.push({
      instances: count,
      refreshPerSecond: middle?.perSecond ?? Number.NaN,
      cpuPerRotation: middle?.cpu,
      refreshFailed: rounds.reduce((sum, r) => sum + r.failed, 0),
      get: get ?? {
        requestsPerSecond: Number.NaN,
        p50Ms: Number.NaN,
        p99Ms: Number.NaN,
        requests: 0,
        errors: 0,
      },
      logins: logins ?? { perSecond: Number.NaN, ok: 0, failed: 0 },
      startupMs: servers[count - 1]!.startupMs,
      peakRssMiB: Math.max(...servers.slice(0, count).map((server) => server.rssMiB())),
    });
  }
  const rawMiddle = median(raw, (r) => r.perSecond);
  return {
    durability: db.durability,
    redis,
    users: sessions.length,
    refreshTokens,
    cores: cpus().length,
    rawCommitsPerSecond: rawMiddle?.perSecond ?? Number.NaN,
    cpuPerRawCommit: rawMiddle?.cpu,
    runs,
  };
}
