/**
 * `npm run instructions -w @baton/bench`: the protected GET in instructions per request, for Baton
 * (one token: the verified-token cache answers), the Fastify floor and bare `node:http`, each
 * under valgrind's callgrind (lib/callgrind.ts), fresh and after two full garbage collections. Time on a shared 2-core machine drifts by tens of
 * percent between runs; instruction counts of quiet runs agree within 1% (bench/README.md), so a
 * change of a few percent in what a request costs shows, and the functions that differ between
 * Baton and the floor say where its extra work goes. Writes docs/perf/instructions.md. Needs
 * valgrind and a built server (`npm run build -w @baton/server`); about 6 minutes on a fast machine.
 *
 * `INSTRUCTIONS_WARM` (60,000): requests before counting, uncounted, until V8 has optimised the
 * request path (Baton's count fell 9% from 6,000 to 20,000 warm-up requests, then 0.3% to 60,000).
 * `INSTRUCTIONS_COUNT` (2,000): requests counted.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildReferences } from './lib/build.js';
import { countRequests, hasValgrind, type RequestCounts } from './lib/callgrind.js';
import { freePort } from './lib/http.js';
import { f, table } from './lib/markdown.js';
import {
  accountFor,
  BATON_BUNDLE,
  BATON_NODE_FLAGS,
  BENCH_WORK,
  baton,
  batonEnv,
  REFERENCES_BUILD,
  REPO_ROOT,
} from './lib/stacks.js';

const WARM = Number(process.env.INSTRUCTIONS_WARM ?? 60_000);
const COUNT = Number(process.env.INSTRUCTIONS_COUNT ?? 2_000);
/** As the bench's wrk load, but a few: under callgrind every connection is served in turn anyway. */
const CONNECTIONS = 4;
const OUT = join(REPO_ROOT, 'docs', 'perf', 'instructions.md');

interface Server {
  readonly name: string;
  /** Node's arguments (script included) and environment, on `port` with its data in `workDir`. */
  readonly node: (port: number, workDir: string) => { args: string[]; env: Record<string, string> };
  /** Whatever the GET needs once the server answers: its headers. */
  readonly prepare?: (url: string) => Promise<Record<string, string>>;
}

const reference = (file: string) => (port: number) => ({
  args: [join(REFERENCES_BUILD, file)],
  env: { PORT: String(port) },
});

const SERVERS: readonly Server[] = [
  { name: 'bare node:http', node: reference('bare/server.js') },
  { name: 'Fastify, same route, nothing else', node: reference('fastify/server.js') },
  {
    name: 'Baton (1 token)',
    node: (port, workDir) => ({
      args: [...BATON_NODE_FLAGS, BATON_BUNDLE, 'serve'],
      env: batonEnv(port, workDir),
    }),
    async prepare(url) {
      const tokens = await baton.auth!.register(url, accountFor(0));
      return { authorization: `Bearer ${tokens.accessToken}` };
    },
  },
];

interface Counted extends RequestCounts {
  readonly name: string;
}

/** A server counted fresh and after two full garbage collections halfway through its warm-up. */
interface CountedBothWays {
  readonly name: string;
  readonly fresh: Counted;
  readonly collected: Counted;
}

async function count(server: Server, fullCollection: boolean): Promise<Counted> {
  const workDir = mkdtempSync(join(BENCH_WORK, 'instructions-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { args, env } = server.node(port, workDir);
  try {
    const counts = await countRequests({
      name: server.name,
      nodeArgs: args,
      env,
      healthUrl: `${url}/healthz`,
      url: `${url}/todos`,
      outFile: join(workDir, 'callgrind.out'),
      warmUp: WARM,
      count: COUNT,
      connections: CONNECTIONS,
      ...(server.prepare ? { prepare: () => server.prepare!(url) } : {}),
      fullCollection,
    });
    return { name: server.name, ...counts };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** The `limit` functions with the most instructions per request, as table rows. */
function topRows(functions: Map<string, number>, limit: number): string[][] {
  return [...functions]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, instructions]) => [f(instructions, 0), `\`${shortName(name)}\``]);
}

/** The functions whose instructions per request differ most between `a` and `b`, `a` minus `b`. */
function differenceRows(a: Counted, b: Counted, limit: number): string[][] {
  const names = new Set([...a.functions.keys(), ...b.functions.keys()]);
  return [...names]
    .map((name) => {
      const [inA, inB] = [a.functions.get(name) ?? 0, b.functions.get(name) ?? 0];
      return { name, inA, inB, difference: inA - inB };
    })
    .sort((x, y) => Math.abs(y.difference) - Math.abs(x.difference))
    .slice(0, limit)
    .map((row) => [f(row.difference, 0), f(row.inA, 0), f(row.inB, 0), `\`${shortName(row.name)}\``]);
}

/** A name without the repository's path or a C++ signature's argument list, and not too long. */
function shortName(name: string): string {
  const short = name
    .replaceAll(`file://${REPO_ROOT}`, '')
    .replaceAll(REPO_ROOT, '')
    .replace(/\(.*\)( const)?$/, '()')
    .replaceAll('|', '\\|');
  return short.length > 110 ? `${short.slice(0, 107)}...` : short;
}

function report(counted: readonly CountedBothWays[]): string {
  const [bare, floor, batonCounts] = counted as [CountedBothWays, CountedBothWays, CountedBothWays];
  const rows = counted.flatMap((c) =>
    (['fresh', 'collected'] as const).map((state) => {
      const counts = c[state];
      return [
        c.name,
        state === 'fresh' ? 'fresh' : 'after two full collections',
        f(counts.main, 0),
        `${f(counts.main / bare[state].main, 2)}x`,
        `${f(counts.main / floor[state].main, 2)}x`,
        f(counts.all, 0),
      ];
    }),
  );
  return [
    '# Protected GET in instructions per request',
    '',
    `Written by \`npm run instructions -w @baton/bench\` on ${new Date().toISOString()} (Node ${process.version}): ` +
      `each server under valgrind's callgrind, ${WARM} GETs of \`/todos\` to warm it up, then ${COUNT} counted, ` +
      `over ${CONNECTIONS} keep-alive connections. Baton as the bench runs it (info logging with the request ` +
      'line, security headers, metrics, the session gate), one token (the verified-token cache answers). ' +
      'Instructions are user space only: the kernel (the socket writes, loopback) is not counted.',
    '',
    'Each server is counted twice: fresh, and with two full garbage collections halfway through its warm-up, ' +
      'as a server that has run for a while has had them. V8 keeps state that hangs on them: feedback that ' +
      'a collection clears of dead maps, code optimised again from it, and once, in Node 20, ' +
      '`process.nextTick` leaving its fast path for good (packages/server/src/tickObjectShape.ts). The ratios ' +
      'compare like with like: fresh with fresh, collected with collected.',
    '',
    table(
      [
        'server',
        'state',
        'main thread, per request',
        'vs bare',
        'vs Fastify floor',
        'all threads, per request',
      ],
      rows,
    ),
    '',
    'The main thread is the event loop, the measure. "All threads" adds V8\'s compiler threads, which under ' +
      'valgrind go on optimising for longer than natively (where they settle within a minute of load), and ' +
      "the servers' thread pools.",
    '',
    `## Where Baton's instructions differ from the floor's, after two full collections (main thread, per request)`,
    '',
    "Own instructions of each function (not of what it calls); JavaScript named through Node's " +
      '`--perf-basic-prof` map, whatever tier ran it. The floor serialises the todos with ' +
      "fast-json-stringify on each request; Baton's todo-list cache answers with the JSON it kept.",
    '',
    table(
      ['Baton - floor', 'Baton', 'floor', 'function'],
      differenceRows(batonCounts.collected, floor.collected, 30),
    ),
    '',
    "## Where Baton's instructions differ between fresh and collected (main thread, per request)",
    '',
    table(
      ['collected - fresh', 'collected', 'fresh', 'function'],
      differenceRows(batonCounts.collected, batonCounts.fresh, 20),
    ),
    '',
    '## Baton after two full collections, the functions with the most instructions (main thread, per request)',
    '',
    table(['instructions', 'function'], topRows(batonCounts.collected.functions, 30)),
    '',
  ].join('\n');
}

if (!(await hasValgrind())) {
  console.log('skipped: valgrind is not installed (apt-get install valgrind)');
  process.exit(0);
}
mkdirSync(BENCH_WORK, { recursive: true });
await buildReferences();
const counted: CountedBothWays[] = [];
for (const server of SERVERS) {
  const fresh = await count(server, false);
  const collected = await count(server, true);
  console.log(
    `${server.name}: ${f(fresh.main, 0)} instructions per request on the main thread, ` +
      `${f(collected.main, 0)} after two full collections`,
  );
  counted.push({ name: server.name, fresh, collected });
}
writeFileSync(OUT, report(counted));
console.log(`written to ${OUT}`);
