import { f, table } from './markdown.js';
import { PLAN, type StackResult } from './scenarios.js';

/**
 * The login storm's section: Baton's GET latency quiet and during the storm and, below it, the
 * storm's reference: the bare server quiet and with argon2 busy beside it.
 */
export function renderStorm(stacks: readonly StackResult[]): string[] {
  const stormed = stacks.filter((s) => s.storm);
  if (stormed.length === 0) return [];
  const storms = stormed.map((s) => [
    s.stack,
    f(s.storm?.quiet.p50Ms, 2),
    f(s.storm?.quiet.p99Ms, 2),
    f(s.storm?.during.p50Ms, 2),
    f(s.storm?.during.p99Ms, 2),
    f(s.storm?.logins.perSecond, 1),
    String((s.storm?.quiet.errors ?? 0) + (s.storm?.during.errors ?? 0)),
  ]);
  const references = stacks.flatMap(({ stack, hashingBeside: beside }) =>
    beside
      ? [
          [
            `${stack}, argon2 busy beside it (reference: ${beside.hashing.threads} process(es) at nice ${beside.hashing.nice}, ${f(beside.hashing.verifiesPerSecond, 1)} verifications/s, no logins)`,
            f(beside.quiet.p50Ms, 2),
            f(beside.quiet.p99Ms, 2),
            f(beside.during.p50Ms, 2),
            f(beside.during.p99Ms, 2),
            'none',
            String(beside.quiet.errors + beside.during.errors),
          ],
        ]
      : [],
  );
  return [
    '',
    `### Protected GET latency during a login storm (probe at ${PLAN.probeRate} req/s, open loop; ${PLAN.stormClients} clients logging in)`,
    '',
    table(
      [
        'server',
        'p50 quiet ms',
        'p99 quiet ms',
        'p50 storm ms',
        'p99 storm ms',
        'logins/s in storm',
        'probe errors',
      ],
      [...storms, ...references],
    ),
  ];
}
