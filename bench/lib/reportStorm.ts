import type { LoopWindow } from './loopMetrics.js';
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
  const loops = stormed.flatMap(({ stack, storm }) => (storm?.loop ? [loopLine(stack, storm.loop)] : []));
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
    ...loops.flatMap((line) => ['', line]),
  ];
}

/**
 * The server's own event loop beside its probe: a delay of the probe that the loop's own delay
 * does not show happened outside it (the probe's process, or the server's, waiting for a core).
 */
function loopLine(stack: string, loop: { readonly quiet: LoopWindow; readonly during: LoopWindow }): string {
  const { quiet, during } = loop;
  const percent = (share: number) => `${f(share * 100, 0)}%`;
  return (
    `${stack}'s own event loop (its /metrics, over each probe's run): busy ${percent(quiet.busy)} quiet and ` +
    `${percent(during.busy)} in the storm; it ran its 10 ms timer late by ${f(quiet.delayP99Ms, 2)} and ` +
    `${f(during.delayP99Ms, 2)} ms at the 99th percentile, ${f(quiet.delayMaxMs, 2)} and ${f(during.delayMaxMs, 2)} ms at most. ` +
    "The probe's times also hold what the loop's delay does not: each request's own handling, the kernel's, and the processes waiting for a core."
  );
}
