import type { HashLimit } from './hashLimit.js';
import type { PgSectionResult } from './pgSection.js';
import type { StackResult } from './scenarios.js';
import type { Startups } from './startups.js';
import type { Algorithm } from './tokens.js';

/** One goal of the performance issue, with what this run measured for it. */
export interface Target {
  readonly name: string;
  readonly detail: string;
  /** A ratio of two numbers of this run, or an absolute value when `unit` says so. */
  readonly ratio: number;
  readonly unit?: 'x' | 'MiB' | 'ms';
  readonly goal: { readonly at: 'least' | 'most'; readonly ratio: number };
}

export function isMet(target: Target): boolean {
  if (!Number.isFinite(target.ratio)) return false;
  return target.goal.at === 'least' ? target.ratio >= target.goal.ratio : target.ratio <= target.goal.ratio;
}

export interface RunMeasurements {
  readonly stacks: ReadonlyMap<string, StackResult>;
  readonly rawCommitsPerSecond: number;
  readonly postgres?: PgSectionResult | { readonly skipped: string };
  readonly hashLimit?: HashLimit;
  /** Baton started again and again on fresh data dirs (the start-up target is their median). */
  readonly batonStartups?: Startups;
}

/** The stack names the targets compare. */
export interface TargetNames {
  readonly baton: string;
  readonly bare: string;
  readonly floor: string;
  readonly nestjs: string;
  readonly django: string;
  /** The bare server verifying each algorithm. */
  readonly bareVerify: Readonly<Record<Algorithm, string>>;
  /** The Baton stack signing with each algorithm, its token cache off. */
  readonly batonSigning: Readonly<Record<Algorithm, string>>;
}

const rps = (result: StackResult | undefined, row = 0) =>
  result?.gets[row]?.load.requestsPerSecond ?? Number.NaN;
const fmt = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
/** The row of a stack whose label says its token cache was off. */
const bypassed = (result: StackResult | undefined) =>
  result?.gets.find((row) => row.label.includes('token cache off'))?.load.requestsPerSecond ?? Number.NaN;

/** Every target of the issue, each a ratio between two numbers measured in this run. */
export function computeTargets(run: RunMeasurements, names: TargetNames): Target[] {
  const stack = (name: string) => run.stacks.get(name);
  const baton = stack(names.baton);
  const bare = rps(stack(names.bare));
  const targets: Target[] = [];
  const ratio = (name: string, a: number, b: number, unit: string, at: 'least' | 'most', goal: number) =>
    targets.push({
      name,
      detail: `${fmt(a, unit === 'ms' ? 2 : 0)} vs ${fmt(b, unit === 'ms' ? 2 : 0)} ${unit}`,
      ratio: a / b,
      goal: { at, ratio: goal },
    });
  for (const row of [0, 1]) {
    const label = baton?.gets[row]?.label ?? 'n/a';
    ratio(`Protected GET, ${label} vs bare node:http`, rps(baton, row), bare, 'req/s', 'least', 0.8);
  }
  ratio(
    'Protected GET (1 token) vs the Fastify floor (same route, nothing else)',
    rps(baton),
    rps(stack(names.floor)),
    'req/s',
    'least',
    0.9,
  );
  for (const alg of ['ES256', 'EdDSA', 'RS256'] as const) {
    ratio(
      `Protected GET, token cache off, ${alg}, vs bare node:http verifying ${alg}`,
      bypassed(stack(names.batonSigning[alg])),
      rps(stack(names.bareVerify[alg])),
      'req/s',
      'least',
      0.9,
    );
  }
  ratio(
    'Protected GET vs NestJS + passport-jwt (1 token each)',
    rps(baton),
    rps(stack(names.nestjs)),
    'req/s',
    'least',
    25,
  );
  ratio(
    'Protected GET vs Django + simplejwt (1 token each)',
    rps(baton),
    rps(stack(names.django)),
    'req/s',
    'least',
    40,
  );
  ratio(
    'Durable refresh rotations/s, SQLite (16 concurrent chains) vs raw SQLite durable commits/s',
    baton?.refreshConcurrent?.perSecond ?? Number.NaN,
    run.rawCommitsPerSecond,
    '/s',
    'least',
    0.9,
  );
  const pg = run.postgres !== undefined && 'runs' in run.postgres ? run.postgres : undefined;
  for (const instances of [1, 2]) {
    const measured = pg?.runs.find((r) => r.instances === instances);
    ratio(
      `Durable refresh rotations/s, PostgreSQL, ${instances} instance${instances > 1 ? 's' : ''}, vs raw PostgreSQL durable commits/s (16 clients each)`,
      measured?.refreshPerSecond ?? Number.NaN,
      pg?.rawCommitsPerSecond ?? Number.NaN,
      '/s',
      'least',
      0.5,
    );
  }
  ratio(
    `Logins/s vs the argon2 limit (${run.hashLimit?.threads ?? '?'} hashing thread(s) x ${fmt(run.hashLimit?.verifiesPerSecond ?? Number.NaN, 1)} verifications/s)`,
    baton?.logins?.perSecond ?? Number.NaN,
    run.hashLimit?.loginsPerSecond ?? Number.NaN,
    '/s',
    'least',
    0.8,
  );
  ratio(
    'p99 of protected GET during a login storm vs quiet',
    baton?.storm?.during.p99Ms ?? Number.NaN,
    baton?.storm?.quiet.p99Ms ?? Number.NaN,
    'ms',
    'most',
    1.5,
  );
  const peakRss = Math.max(...(baton?.gets.map((row) => row.peakRssMiB) ?? [Number.NaN]));
  targets.push({
    name: 'Peak RSS of Baton under the GET load',
    detail: `${fmt(peakRss)} MiB`,
    ratio: peakRss,
    unit: 'MiB',
    goal: { at: 'most', ratio: 120 },
  });
  const starts = run.batonStartups;
  targets.push({
    name: `Baton: start to first 200 (median of ${starts?.samplesMs.length ?? 0} fresh starts)`,
    detail: starts
      ? `${fmt(starts.medianMs)} ms (${starts.samplesMs.map((ms) => fmt(ms)).join(', ')})`
      : 'not measured',
    ratio: starts?.medianMs ?? Number.NaN,
    unit: 'ms',
    goal: { at: 'most', ratio: 500 },
  });
  return targets;
}

/**
 * Where the GET gap to the bare server goes: the framework's share (Fastify with nothing of
 * Baton's, against bare) and Baton's (Baton against that floor). Context, not targets.
 */
export function floorNotes(
  run: RunMeasurements,
  names: Pick<TargetNames, 'baton' | 'bare' | 'floor'>,
): string[] {
  const baton = rps(run.stacks.get(names.baton));
  const bare = rps(run.stacks.get(names.bare));
  const floor = rps(run.stacks.get(names.floor));
  if (!Number.isFinite(floor)) return [];
  return [
    `Framework floor: ${names.floor} answers ${fmt(floor)} req/s, ${fmt(floor / bare, 2)}x the bare server; ` +
      `Baton (1 token) answers ${fmt(floor === 0 ? Number.NaN : baton / floor, 2)}x that floor. ` +
      'The first ratio is what Fastify itself costs; the second is what authentication, the session ' +
      'check, security headers, metrics and the store cost on top.',
  ];
}

/**
 * Where the login storm's latency goes: the machine's share (the bare server's p99 while argon2
 * runs beside it, with no logins) and Baton's (its p99 in the storm). Context, not a target.
 */
export function stormNotes(run: RunMeasurements, names: Pick<TargetNames, 'baton' | 'bare'>): string[] {
  const beside = run.stacks.get(names.bare)?.hashingBeside;
  const storm = run.stacks.get(names.baton)?.storm;
  if (!beside) return [];
  return [
    `Hashing's own share of the storm: ${names.bare} answers with a p99 ${fmt(beside.during.p99Ms / beside.quiet.p99Ms, 2)}x ` +
      `its quiet one while argon2 runs beside it (${beside.hashing.threads} process(es) at nice ${beside.hashing.nice}, no logins); ` +
      `Baton's p99 in its login storm is ${fmt(storm ? storm.during.p99Ms / storm.quiet.p99Ms : Number.NaN, 2)}x its quiet one. ` +
      'The first is what the cores, caches and memory shared with argon2 cost any server here; the rest is what Baton does for each login.',
  ];
}
