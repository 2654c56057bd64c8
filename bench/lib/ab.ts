import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { type CpuShares, cpuMeter } from './cpuSplit.js';
import { freePort } from './http.js';
import { batonOnPostgresEnv, redisAnswers } from './pgSection.js';
import { type BenchDatabase, openBenchDatabase, settleTables } from './postgres.js';
import { registerAll } from './prepare.js';
import type { RunningServer } from './processes.js';
import { runRefreshChains } from './refresh.js';
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
}

/** One variant's rounds: rotations per second, and the median round's CPU per rotation by whom. */
export interface AbSummary {
  readonly label: string;
  readonly rates: readonly number[];
  readonly failed: number;
  readonly medianPerSecond: number;
  readonly cpu: CpuShares | undefined;
}

interface Prepared {
  readonly variant: AbVariant;
  readonly server: RunningServer;
  readonly url: string;
  readonly sessions: TokenPair[];
  readonly database?: BenchDatabase;
  readonly rounds: { perSecond: number; failed: number; cpu: CpuShares | undefined }[];
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
      const port = await freePort();
      const storeEnv = database ? batonOnPostgresEnv(database, redis && variant.redis !== false) : {};
      const server = await launchBaton(port, mkdtempSync(join(BENCH_WORK, 'ab-')), {
        name: variant.label,
        args: variant.args ?? [...BATON_NODE_FLAGS, variant.bundle ?? BATON_BUNDLE, 'serve'],
        env: { ...storeEnv, ...variant.env },
      }).catch(async (error: unknown) => {
        await database?.drop();
        throw error;
      });
      const url = `http://127.0.0.1:${port}`;
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
        const result = await runRefreshChains(
          entry.url,
          baton.auth!,
          entry.sessions,
          options.clients,
          options.seconds,
          meter,
        );
        const cpu = meter.last();
        entry.rounds.push({ perSecond: result.perSecond, failed: result.failed, cpu });
        log(
          `round ${round + 1}, ${entry.variant.label}: ${result.perSecond.toFixed(0)} rotations/s, ` +
            `${result.failed} refused${cpu ? `; µs per rotation: ${describeCpu(cpu)}` : ''}`,
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
