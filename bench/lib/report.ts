import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { CpuShares } from './cpuSplit.js';
import { f, table } from './markdown.js';
import type { PgSectionResult } from './pgSection.js';
import { renderStorm } from './reportStorm.js';
import { PLAN, type StackResult } from './scenarios.js';
import { isMet, type RunMeasurements, type Target } from './targets.js';

const HEADER = `# Baton benchmark results

Written by \`npm run bench\` (see [README.md](README.md)); each run is appended. Every ratio
compares two numbers measured in the same run on the same machine: absolute numbers drift on a
shared 2-core box, ratios measured together much less.
`;

export interface RunReport extends RunMeasurements {
  readonly startedAt: Date;
  readonly machine: readonly string[];
  readonly targets: readonly Target[];
  /** Lines printed under the targets (context such as the framework floor). */
  readonly notes?: readonly string[];
  readonly failures: readonly string[];
  readonly clientOverhead?: string;
  readonly totalSeconds: number;
}

/** The markdown section of one run. */
export function renderRun(report: RunReport): string {
  const stacks = [...report.stacks.values()];
  const out: string[] = [
    `## Run of ${report.startedAt.toISOString()}`,
    '',
    ...report.machine.map((m) => `- ${m}`),
    '',
  ];
  const met = report.targets.filter(isMet).length;
  out.push(`### Targets (${met} of ${report.targets.length} met)`, '');
  out.push(
    table(
      ['target', 'measured', 'ratio', 'goal', 'met'],
      report.targets.map((t) => [
        t.name,
        t.detail,
        t.unit === undefined || t.unit === 'x' ? `${f(t.ratio, 2)}x` : `${f(t.ratio)} ${t.unit}`,
        `${t.goal.at === 'least' ? '>=' : '<='} ${t.goal.ratio}${t.unit === undefined || t.unit === 'x' ? 'x' : ` ${t.unit}`}`,
        isMet(t) ? 'met' : '**not met**',
      ]),
    ),
  );
  if (report.notes?.length) out.push('', ...report.notes);
  out.push(
    '',
    `### Protected GET /todos (wrk -t1 -c${PLAN.connections}; median of ${PLAN.rounds} interleaved rounds of ${PLAN.getSeconds} s, after a 2 s warm-up)`,
    '',
  );
  out.push(
    table(
      [
        'server',
        'tokens',
        'req/s',
        'server CPU µs/request',
        'p50 ms',
        'p99 ms',
        'errors',
        'peak RSS MiB',
        'start to first 200 ms',
      ],
      stacks.flatMap((s) =>
        s.gets.map((g) => [
          s.stack,
          g.label,
          f(g.load.requestsPerSecond),
          f(g.cpuMicrosPerRequest),
          f(g.load.p50Ms, 2),
          f(g.load.p99Ms, 2),
          String(g.load.errors),
          f(g.peakRssMiB, 0),
          f(s.startupMs),
        ]),
      ),
    ),
  );
  out.push(
    '',
    `### Refresh with rotation (median of ${PLAN.refreshRounds} interleaved rounds of ${PLAN.refreshSeconds} s, each after 0.5 s warm-up)`,
    '',
  );
  const withAuth = stacks.filter((s) => s.refreshSequential);
  out.push(
    table(
      [
        'server',
        'durable',
        'sessions',
        '1 client /s',
        `${PLAN.concurrentChains} clients /s`,
        `${PLAN.concurrentChains} clients p99 ms`,
        'refused',
      ],
      [
        ...withAuth.map((s) => [
          s.stack,
          s.durableRefresh ? 'yes' : 'no (in memory)',
          String(s.refreshSequential?.sessions ?? ''),
          f(s.refreshSequential?.perSecond),
          f(s.refreshConcurrent?.perSecond),
          f(s.refreshConcurrent?.p99Ms, 2),
          String((s.refreshSequential?.failed ?? 0) + (s.refreshConcurrent?.failed ?? 0)),
        ]),
        ['raw SQLite commit (WAL, synchronous=FULL)', 'yes', '', f(report.rawCommitsPerSecond), '', '', ''],
      ],
    ),
  );
  const loopCeiling = eventLoopCeiling(withAuth, report.rawCommitsPerSecond);
  if (loopCeiling) out.push('', loopCeiling);
  out.push('', `### Login (${PLAN.loginClients} clients, ${PLAN.loginSeconds} s)`, '');
  if (report.hashLimit !== undefined) {
    const limit = report.hashLimit;
    out.push(
      `The argon2 limit of one Baton process, measured in this run: ${f(limit.verifiesPerSecond, 1)} ` +
        `verifications/s on one thread with Baton's parameters x ${limit.threads} hashing thread(s) = ` +
        `${f(limit.loginsPerSecond, 1)} logins/s.`,
      '',
    );
  }
  out.push(
    table(
      ['server', 'one login alone, ms', 'logins/s', 'failed'],
      withAuth.map((s) => [
        s.stack,
        f(s.singleLoginMs),
        f(s.logins?.perSecond, 1),
        String(s.logins?.failed ?? 0),
      ]),
    ),
  );
  out.push(...renderStorm(stacks));
  if (report.postgres !== undefined) out.push('', ...renderPostgres(report.postgres));
  if (report.clientOverhead !== undefined) {
    out.push(
      '',
      '### Client SDK overhead (packages/client/bench/overhead.ts)',
      '',
      '```',
      report.clientOverhead.trim(),
      '```',
    );
  }
  if (report.failures.length > 0) {
    out.push('', '### What could not be measured', '', ...report.failures.map((line) => `- ${line}`));
  }
  out.push('', `Whole run: ${f(report.totalSeconds)} s.`, '');
  return out.join('\n');
}

/**
 * What Baton's event loop allows: every request's JavaScript (parsing, checks, signing, SQLite's
 * statements) runs on that one thread, so with it fully busy no number of free cores or faster
 * disk can rotate faster than one rotation per its CPU per rotation. Undefined when not measured.
 */
function eventLoopCeiling(stacks: readonly StackResult[], rawCommitsPerSecond: number): string | undefined {
  const measured = stacks.find((s) => s.refreshConcurrent?.loopMicros !== undefined);
  const loopMicros = measured?.refreshConcurrent?.loopMicros;
  if (!measured || loopMicros === undefined || !(loopMicros > 0)) return undefined;
  const ceiling = 1_000_000 / loopMicros;
  return (
    `${measured.stack}'s event loop (its one JavaScript thread) took ${f(loopMicros)} µs of CPU per rotation ` +
    `with ${PLAN.concurrentChains} clients (the median round): fully busy, it allows at most ${f(ceiling)} rotations/s, ` +
    `${f(ceiling / rawCommitsPerSecond, 2)}x this run's raw commit rate, however fast the disk or however many cores are free.`
  );
}

function renderPostgres(pg: PgSectionResult | { readonly skipped: string }): string[] {
  if ('skipped' in pg) return ['### PostgreSQL', '', `skipped: ${pg.skipped}`];
  return [
    `### PostgreSQL (${pg.durability}; ${pg.users} users, ${pg.refreshTokens} refresh tokens, analyzed; rate limits shared through ${pg.redis ? 'Redis' : 'nothing: no Redis answered'})`,
    '',
    `Refresh: median of ${PLAN.refreshRounds} interleaved rounds of ${PLAN.refreshSeconds} s, ${PLAN.concurrentChains} concurrent chains spread over the instances. GET: wrk -t1 per instance, ${PLAN.connections} connections split between them, ${pg.users} users' tokens. Login: ${PLAN.loginClients} clients spread over the instances, ${PLAN.loginSeconds} s.`,
    '',
    table(
      [
        'server',
        'refresh rotations/s',
        'refused',
        'GET req/s',
        'GET p99 ms',
        'GET errors',
        'logins/s',
        'peak RSS MiB',
        'start to first 200 ms',
      ],
      [
        ...pg.runs.map((r) => [
          `Baton on PostgreSQL, ${r.instances} instance${r.instances > 1 ? 's' : ''}`,
          f(r.refreshPerSecond),
          String(r.refreshFailed),
          f(r.get.requestsPerSecond),
          f(r.get.p99Ms, 2),
          String(r.get.errors),
          f(r.logins.perSecond, 1),
          f(r.peakRssMiB),
          f(r.startupMs),
        ]),
        [
          `raw PostgreSQL durable commits (${PLAN.concurrentChains} clients, one INSERT each)`,
          f(pg.rawCommitsPerSecond),
          '',
          '',
          '',
          '',
          '',
          '',
          '',
        ],
      ],
    ),
    ...renderCpuSplit(pg),
  ];
}

/**
 * Where a rotation's and a raw commit's CPU went, by process, and what the other processes' share
 * alone bounds: on cores that Baton, PostgreSQL, Redis and the load generator share, no rate can
 * pass cores / CPU per operation.
 */
function renderCpuSplit(pg: PgSectionResult): string[] {
  const rawCpu = pg.cpuPerRawCommit;
  const rotations = pg.runs.filter((r) => r.cpuPerRotation !== undefined);
  if (!rawCpu || rotations.length === 0) return [];
  const total = (c: CpuShares) => c.server + c.postgres + c.redis + c.harness;
  const row = (name: string, c: CpuShares) => [
    name,
    f(c.server),
    f(c.postgres),
    f(c.redis),
    f(c.harness),
    f(total(c)),
  ];
  const single = rotations.find((r) => r.instances === 1)?.cpuPerRotation;
  const withoutBaton = single ? single.postgres + single.redis + single.harness : Number.NaN;
  const ceiling = (pg.cores * 1_000_000) / withoutBaton;
  return [
    '',
    `CPU per operation in µs, by process (the median round; every process shares the same ${pg.cores} cores; "all" is these four, not the kernel's threads or other work):`,
    '',
    table(
      ['operation', 'Baton', 'PostgreSQL', 'Redis', 'load generator', 'all'],
      [
        ...rotations.map((r) =>
          row(`rotation, ${r.instances} instance${r.instances > 1 ? 's' : ''}`, r.cpuPerRotation!),
        ),
        row('raw commit', rawCpu),
      ],
    ),
    '',
    `Were Baton's own CPU zero and the others' as measured (${f(withoutBaton)} µs of PostgreSQL, Redis and load generator per rotation with one instance), ${pg.cores} fully busy cores would allow at most ${f(ceiling)} rotations/s: ${f(ceiling / pg.rawCommitsPerSecond, 2)}x this run's raw commit rate.`,
  ];
}

/** Appends a run to RESULTS.md, creating it with its header the first time. */
export function appendRun(path: string, section: string): void {
  const before = existsSync(path) ? readFileSync(path, 'utf8') : HEADER;
  writeFileSync(path, `${before.trimEnd()}\n\n${section}`);
}

export type { StackResult };
