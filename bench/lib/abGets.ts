import { join } from 'node:path';
import { type AbVariant, startVariant } from './ab.js';
import { registerAll } from './prepare.js';
import type { RunningServer } from './processes.js';
import { PLAN } from './scenarios.js';
import { accountFor, baton } from './stacks.js';
import { median } from './stats.js';
import { signatureSpellings, writeTokens } from './tokens.js';
import { measureServerGets } from './wrk.js';

export interface GetAbOptions {
  readonly variants: readonly [AbVariant, AbVariant];
  readonly rounds: number;
  /** Seconds of each measured wrk run (after 1 s of warm-up). */
  readonly seconds: number;
  /** Users registered on each server. */
  readonly users: number;
}

/** The two loads of each round: the bench's "1 token" and "16000 distinct token strings" rows. */
export const GET_AB_CASES = ['one token', 'distinct tokens'] as const;
export type GetAbCase = (typeof GET_AB_CASES)[number];

/** One variant's rounds of one load. */
export interface GetAbCaseSummary {
  readonly rates: readonly number[];
  readonly medianPerSecond: number;
  /** Each round's CPU of the server's processes per request, in µs. */
  readonly cpuMicros: readonly number[];
  readonly medianCpuMicros: number;
}

export interface GetAbSummary {
  readonly label: string;
  readonly cases: Readonly<Record<GetAbCase, GetAbCaseSummary>>;
  /** The highest resident memory of the server's processes over every round, in MiB. */
  readonly peakRssMiB: number;
}

interface Prepared {
  readonly variant: AbVariant;
  readonly server: RunningServer;
  readonly url: string;
  readonly tokens: Readonly<Record<GetAbCase, string>>;
  readonly rounds: Record<GetAbCase, { perSecond: number; cpuMicros: number }[]>;
  peakRssMiB: number;
}

/**
 * Protected GETs of two Baton variants, each its own server with `users` users registered: per
 * round, one token (the verified-token cache answers) and 16 spellings of every user's token (with
 * 1,000 users, more distinct strings than the cache holds, so it turns over), each variant in
 * turn, alternating which goes first. For flags and settings that trade memory against CPU: it
 * reports both, side by side. Needs `wrk`.
 */
export async function runGetAb(
  options: GetAbOptions,
  log: (line: string) => void,
): Promise<readonly GetAbSummary[]> {
  const started: RunningServer[] = [];
  const prepared: Prepared[] = [];
  try {
    for (const variant of options.variants) {
      const { server, url, workDir } = await startVariant(variant);
      started.push(server);
      const accounts = Array.from({ length: options.users }, (_, index) => accountFor(index));
      const tokens = (await registerAll(url, baton, accounts)).map((pair) => pair.accessToken);
      prepared.push({
        variant,
        server,
        url,
        tokens: {
          'one token': writeTokens(join(workDir, 'one.tokens'), tokens.slice(0, 1)),
          'distinct tokens': writeTokens(
            join(workDir, 'spellings.tokens'),
            tokens.flatMap(signatureSpellings),
          ),
        },
        rounds: { 'one token': [], 'distinct tokens': [] },
        peakRssMiB: 0,
      });
      log(`${variant.label}: up, ${options.users} users registered`);
    }
    for (let round = 0; round < options.rounds; round++) {
      for (const load of GET_AB_CASES) {
        for (const entry of round % 2 === 0 ? prepared : [...prepared].reverse()) {
          const spec = {
            url: `${entry.url}/todos`,
            seconds: options.seconds,
            connections: PLAN.connections,
            tokensFile: entry.tokens[load],
          };
          const measured = await measureServerGets(entry.server, spec, 1);
          const { result, peakRssMiB } = measured;
          if (result.errors > 0) throw new Error(`${entry.variant.label}: ${result.errors} GETs failed`);
          const cpuMicros = measured.cpuMicros ?? Number.NaN;
          entry.peakRssMiB = Math.max(entry.peakRssMiB, peakRssMiB);
          entry.rounds[load].push({ perSecond: result.requestsPerSecond, cpuMicros });
          log(
            `round ${round + 1}, ${load}, ${entry.variant.label}: ${result.requestsPerSecond.toFixed(0)} req/s, ` +
              `${cpuMicros.toFixed(1)} µs per request, peak RSS ${peakRssMiB.toFixed(0)} MiB`,
          );
        }
      }
    }
    return prepared.map((entry) => ({
      label: entry.variant.label,
      peakRssMiB: entry.peakRssMiB,
      cases: {
        'one token': summarise(entry.rounds['one token']),
        'distinct tokens': summarise(entry.rounds['distinct tokens']),
      },
    }));
  } finally {
    await Promise.all(started.map((server) => server.stop()));
  }
}

function summarise(rounds: readonly { perSecond: number; cpuMicros: number }[]): GetAbCaseSummary {
  return {
    rates: rounds.map((round) => round.perSecond),
    medianPerSecond: median(rounds, (round) => round.perSecond)?.perSecond ?? Number.NaN,
    cpuMicros: rounds.map((round) => round.cpuMicros),
    medianCpuMicros: median(rounds, (round) => round.cpuMicros)?.cpuMicros ?? Number.NaN,
  };
}
