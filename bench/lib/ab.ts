import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { type CpuShares, cpuMeter } from './cpuSplit.js';
import { freePort } from './http.js';
import { batonOnPostgresEnv, redisAnswers } from './pgSection.js';
import { type BenchDatabase, openBenchDatabase, settleTables } from './postgres.js';
import { registerAll } from './prepare.js';
import { probeInOwnProcess } from './probeProcess.js';
import type { RunningServer } from './processes.js';
import { type RefreshResult, runRefreshChains } from './refresh.js';
import {
  accountFor,
  BATON_BUNDLE,
  BATON_NODE_FLAGS,
  BENCH_WORK,
  baton,
  launchBaton,
  type TokenPair,
} from './stacks.js';
import { median } from './stats.js';

/** One build or configuration of Baton in an A/B comparison. */
export interface AbVariant {
  readonly label: string;
  /**
   * The `cli.js` of a Baton bundle (default: this checkout's `packages/server/dist/bundle`); to
   * compare two builds, copy one bundle aside and name it here.
   */
  readonly bundle?: string;
  /** Node's arguments that start `baton serve`, instead of the bundle's (a test starts the source). */
  readonly args?: readonly string[];
  /** Extra environment, over the bench's own for Baton and, on PostgreSQL, the database's. */
  readonly env?: Readonly<Record<string, string>>;
  /** On PostgreSQL: rate limits shared through Redis (default), or in the instance's memory. */
  readonly redis?: boolean;
}

export interface AbOptions {
  readonly store: 'sqlite' | 'postgres';
  readonly variants: readonly [AbVariant, AbVariant];
  readonly rounds: number;
  readonly seconds: number;
  /** Users registered on each server, one refresh chain each. */
  readonly users: number;
  /** Refresh chains running at once. */
  readonly clients: number;
  /**
   * Protected GETs a second, open loop from a process of its own, while the chains run (0 or
   * absent: none): what the rotations and their disk work cost everyone else's requests.
   */
  readonly probeRate?: number;
}

/**
 * One variant's rounds: rotations per second, the median of the rounds' p99 latencies, and the
 * median round's CPU per rotation by whom.
 */
export interface AbSummary {
  readonly label: string;
  readonly rates: readonly number[];
  readonly failed: number;
  readonly medianPerSecond: number;
  /** Each round's 99th percentile of a rotation's round trip, in ms. */
  readonly p99Ms: readonly number[];
  readonly medianP99Ms: number;
  /** With a probe: each round's 99th percentile of a protected GET's round trip, in ms. */
  readonly getP99Ms?: readonly number[];
  readonly medianGetP99Ms?: number;
  readonly cpu: CpuShares | undefined;
}

interface Prepared {
  readonly variant: AbVariant;
  readonly server: RunningServer;
  readonly url: string;
  readonly sessions: TokenPair[];
  readonly database?: BenchDatabase;
  readonly rounds: {
    perSecond: number;
    p99Ms: number;
    getP99Ms: number | undefined;
    failed: number;
    cpu: CpuShares | undefined;
  }[];
}

/** Starts `variant` on a free port with its data in a directory of its own, `env` under its own. */
export async function startVariant(
  variant: AbVariant,
  env: Readonly<Record<string, string>> = {},
): Promise<{ readonly server: RunningServer; readonly url: string; readonly workDir: string }> {
  const port = await freePort();
  const workDir = mkdtempSync(join(BENCH_WORK, 'ab-'));
  const server = await launchBaton(port, workDir, {
    name: variant.label,
    args: variant.args ?? [...BATON_NODE_FLAGS, variant.bundle ?? BATON_BUNDLE, 'serve'],
    env: { ...env, ...variant.env },
  });
  return { server, url: `http://127.0.0.1:${port}`, workDir };
}

/**
 * Refresh rotations of two Baton variants, each its own server with its own data (a SQLite
 * directory, or a PostgreSQL schema settled as the bench settles it), in rounds that alternate
 * which goes first. One measurement of each can differ by a quarter on a shared machine from
 * minute to minute; rounds taken side by side, and their medians, compare the two.
 */
export async function runAb(
  options: AbOptions,
  log: (line: string) => void,
): Promise<readonly AbSummary[] | { readonly skipped: string }> {
  const redis = options.store === 'postgres' && (await redisAnswers());
  const prepared: Prepared[] = [];
  try {
    for (const variant of options.variants) {
      let database: BenchDatabase | undefined;
      if (options.store === 'postgres') {
        const opened = await openBenchDatabase();
        if (typeof opened === 'string') return { skipped: opened };
        database = opened;
      }
      const storeEnv = database ? batonOnPostgresEnv(database, redis && variant.redis !== false) : {};
      const { server, url } = await startVariant(variant, storeEnv).catch(async (error: unknown) => {
        await database?.drop();
        throw error;
      });
      const entry: Prepared = {
        variant,
        server,
        url,
        sessions: [],
        rounds: [],
        ...(database ? { database } : {}),
      };
      prepared.push(entry);
      const accounts = Array.from({ length: options.users }, (_, index) => accountFor(index));
      entry.sessions.push(...(await registerAll(url, baton, accounts)));
      if (database) await settleTables(database);
      log(`${variant.label}: up, ${options.users} users registered`);
    }
    for (let round = 0; round < options.rounds; round++) {
      for (const entry of round % 2 === 0 ? prepared : [...prepared].reverse()) {
        const meter = cpuMeter([entry.server.pid]);
        const chains = () =>
          runRefreshChains(entry.url, baton.auth!, entry.sessions, options.clients, options.seconds, meter);
        let result: RefreshResult | undefined;
        let getP99Ms: number | undefined;
        if (options.probeRate) {
          // The chains start once the probe has warmed up, and run as long as it measures.
          const probed = await probeInOwnProcess(
            `${entry.url}/todos`,
            entry.sessions[0]!.accessToken,
            options.probeRate,
            options.seconds,
            chains,
          );
          result = probed.alongside;
          getP99Ms = probed.probe.p99Ms;
        } else {
          result = await chains();
        }
        if (!result) throw new Error('the refresh chains did not run');
        const cpu = meter.last();
        entry.rounds.push({
          perSecond: result.perSecond,
          p99Ms: result.p99Ms,
          getP99Ms,
          failed: result.failed,
          cpu,
        });
        log(
          `round ${round + 1}, ${entry.variant.label}: ${result.perSecond.toFixed(0)} rotations/s, ` +
            `p99 ${result.p99Ms.toFixed(2)} ms` +
            (getP99Ms === undefined ? '' : `, GET p99 ${getP99Ms.toFixed(2)} ms`) +
            `, ${result.failed} refused${cpu ? `; µs per rotation: ${describeCpu(cpu)}` : ''}`,
        );
      }
    }
    return prepared.map((entry) => {
      const middle = median(entry.rounds, (round) => round.perSecond);
      return {
        label: entry.variant.label,
        rates: entry.rounds.map((round) => round.perSecond),
        failed: entry.rounds.reduce((sum, round) => sum + round.failed, 0),
        medianPerSecond: middle?.perSecond ?? Number.NaN,
        p99Ms: entry.rounds.map((round) => round.p99Ms),
        medianP99Ms: median(entry.rounds, (round) => round.p99Ms)?.p99Ms ?? Number.NaN,
        ...(options.probeRate
          ? {
              getP99Ms: entry.rounds.map((round) => round.getP99Ms ?? Number.NaN),
              medianGetP99Ms:
                median(entry.rounds, (round) => round.getP99Ms ?? Number.NaN)?.getP99Ms ?? Number.NaN,
            }
          : {}),
        cpu: middle?.cpu,
      };
    });
  } finally {
    await Promise.all(
      prepared.map(async (entry) => {
        await entry.server.stop();
        await entry.database?.drop();
      }),
    );
  }
}

/** CPU per rotation by whom, as one line. */
export function describeCpu(cpu: CpuShares): string {
  const f = (value: number) => value.toFixed(0);
  return `Baton ${f(cpu.server)} (its event loop ${f(cpu.serverLoop)}), PostgreSQL ${f(cpu.postgres)}, Redis ${f(cpu.redis)}, load generator ${f(cpu.harness)}`;
}
