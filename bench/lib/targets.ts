import type { StackResult } from './scenarios.js';

/** One goal of issue 7, with what this run measured for it. */
export interface Target {
  readonly name: string;
  readonly detail: string;
  readonly ratio: number;
  readonly goal: { readonly at: 'least' | 'most'; readonly ratio: number };
}

export function isMet(target: Target): boolean {
  if (!Number.isFinite(target.ratio)) return false;
  return target.goal.at === 'least' ? target.ratio >= target.goal.ratio : target.ratio <= target.goal.ratio;
}

export interface RunMeasurements {
  readonly stacks: ReadonlyMap<string, StackResult>;
  readonly rawCommitsPerSecond: number;
}

const rps = (result: StackResult | undefined, row = 0) =>
  result?.gets[row]?.load.requestsPerSecond ?? Number.NaN;
const fmt = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** Every target of the issue as a ratio between two numbers measured in this run. */
export function computeTargets(
  run: RunMeasurements,
  names: Readonly<Record<'baton' | 'bare' | 'nestjs' | 'django', string>>,
): Target[] {
  const baton = run.stacks.get(names.baton);
  const bare = run.stacks.get(names.bare);
  const nestjs = run.stacks.get(names.nestjs);
  const django = run.stacks.get(names.django);
  const targets: Target[] = [];
  const getVsBare = (row: number) => {
    const label = baton?.gets[row]?.label ?? 'n/a';
    targets.push({
      name: `Protected GET, ${label} vs bare node:http`,
      detail: `${fmt(rps(baton, row))} vs ${fmt(rps(bare))} req/s`,
      ratio: rps(baton, row) / rps(bare),
      goal: { at: 'least', ratio: 0.8 },
    });
  };
  getVsBare(0);
  getVsBare(1);
  getVsBare(2);
  targets.push({
    name: 'Protected GET vs NestJS + passport-jwt (1 token each)',
    detail: `${fmt(rps(baton))} vs ${fmt(rps(nestjs))} req/s`,
    ratio: rps(baton) / rps(nestjs),
    goal: { at: 'least', ratio: 20 },
  });
  targets.push({
    name: 'Protected GET vs Django + simplejwt (1 token each)',
    detail: `${fmt(rps(baton))} vs ${fmt(rps(django))} req/s`,
    ratio: rps(baton) / rps(django),
    goal: { at: 'least', ratio: 30 },
  });
  const batonRefresh = baton?.refreshConcurrent?.perSecond ?? Number.NaN;
  const djangoRefresh = django?.refreshConcurrent?.perSecond ?? Number.NaN;
  targets.push({
    name: 'Durable refresh rotations/s (16 concurrent chains) vs Django',
    detail: `${fmt(batonRefresh)} vs ${fmt(djangoRefresh)} /s`,
    ratio: batonRefresh / djangoRefresh,
    goal: { at: 'least', ratio: 10 },
  });
  targets.push({
    name: 'Durable refresh rotations/s (16 concurrent chains) vs raw SQLite commits/s',
    detail: `${fmt(batonRefresh)} vs ${fmt(run.rawCommitsPerSecond)} /s`,
    ratio: batonRefresh / run.rawCommitsPerSecond,
    goal: { at: 'least', ratio: 0.5 },
  });
  const quiet = baton?.storm?.quiet.p99Ms ?? Number.NaN;
  const during = baton?.storm?.during.p99Ms ?? Number.NaN;
  targets.push({
    name: 'p99 of protected GET during a login storm vs without',
    detail: `${fmt(during, 2)} vs ${fmt(quiet, 2)} ms`,
    ratio: during / quiet,
    goal: { at: 'most', ratio: 2 },
  });
  return targets;
}

/**
 * Where the GET gap to the bare server goes: the framework's share (Fastify with nothing of
 * Baton's, against bare) and Baton's (Baton against that floor). Context, not targets.
 */
export function floorNotes(
  run: RunMeasurements,
  names: Readonly<Record<'baton' | 'bare' | 'floor', string>>,
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
