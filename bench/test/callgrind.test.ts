/**
 * `npm run instructions` counts what the requests sent between turning callgrind on and off cost
 * the event loop, function by function, JavaScript named through Node's perf map.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { countRequests, hasValgrind, perfMapNamer, selfCounts, totalOf } from '../lib/callgrind.js';
import { freePort } from '../lib/http.js';

test('selfCounts adds up each function’s own cost, not what its calls cost, by compressed name', () => {
  const text = [
    'events: Ir',
    'fn=(1) main',
    '10 5',
    'cfn=(2) 0x0000000000001010',
    'calls=3 0',
    '11 700',
    '+1 2',
    'fn=(2)',
    '* 600',
    'fn=(3) helper',
    '-2 100',
    'fn=(1)',
    '20 3',
    'totals: 710',
  ].join('\n');
  const named = selfCounts(text, perfMapNamer('1000 20 JS:*handler /srv/app.js:3:1\n'));
  assert.deepEqual(Object.fromEntries(named), { main: 10, 'JS:handler /srv/app.js:3:1': 600, helper: 100 });
  assert.equal(totalOf(text), 710);
});

test('perfMapNamer names an address inside a code range, by any tier, and leaves others alone', () => {
  const nameOf = perfMapNamer(
    ['2000 100 JS:^send /srv/reply.js:9:1', '1000 8 JS:~parse /srv/parse.js:1:1', 'junk'].join('\n'),
  );
  assert.equal(nameOf('0x0000000000002050'), 'JS:send /srv/reply.js:9:1');
  assert.equal(nameOf('0x0000000000001007'), 'JS:parse /srv/parse.js:1:1');
  assert.equal(nameOf('0x000000000000100a'), '0x000000000000100a');
  assert.equal(nameOf('Builtins_LoadIC'), 'Builtins_LoadIC');
});

/**
 * A server whose every answer runs `LOOPS` turns of a function with a name to find, three times as
 * many once it has had SIGUSR2 (the signal on which `fullCollection` collects the garbage).
 */
const SERVER = `
const { createServer } = require('node:http');
let loops = Number(process.env.LOOPS);
process.on('SIGUSR2', () => { loops *= 3; });
function countTheseInstructions(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum = (sum + i * 7) % 1000003;
  return sum;
}
createServer((req, res) => res.end(String(countTheseInstructions(loops))))
  .listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

/** Instructions per request of the main thread: all of them, and those of countTheseInstructions. */
async function countServer(
  dir: string,
  loops: number,
  warmUp: number,
  fullCollection = false,
): Promise<{ all: number; named: number }> {
  const port = await freePort();
  const { main, functions } = await countRequests({
    name: 'counted',
    nodeArgs: [join(dir, 'server.cjs')],
    env: { PORT: String(port), LOOPS: String(loops) },
    healthUrl: `http://127.0.0.1:${port}/`,
    url: `http://127.0.0.1:${port}/`,
    outFile: join(dir, `callgrind-${loops}-${fullCollection}.out`),
    warmUp,
    count: 200,
    connections: 2,
    fullCollection,
  });
  const named = [...functions].find(([name]) => name.startsWith('JS:countTheseInstructions'));
  assert.ok(named, `countTheseInstructions among ${[...functions.keys()].slice(0, 5).join(', ')}...`);
  return { all: main, named: named[1] };
}

/**
 * A directory removed after the test, holding {@link SERVER} as `server.cjs`; `undefined` (the test
 * skipped) without valgrind.
 */
async function serverDirectory(t: TestContext): Promise<string | undefined> {
  if (!(await hasValgrind())) {
    console.log('skipped: valgrind is not installed');
    t.skip('skipped: valgrind is not installed');
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'baton-callgrind-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'server.cjs'), SERVER);
  return dir;
}

/** `after` ran countTheseInstructions three times as much per request as `before`. */
function assertTripled(before: { named: number }, after: { named: number }): void {
  const ratio = after.named / before.named;
  assert.ok(
    ratio > 2.8 && ratio < 3.2,
    `countTheseInstructions: ${before.named} and ${after.named} per request`,
  );
}

test('a server under callgrind: the counted requests, per request, with JavaScript named', async (t) => {
  const dir = await serverDirectory(t);
  if (dir === undefined) return;
  // Warm-ups of different lengths: were they counted, the two would not be in proportion.
  const small = await countServer(dir, 2_000, 300);
  const large = await countServer(dir, 6_000, 900);
  // Three times the loop, three times its instructions: the window holds the counted requests only.
  assertTripled(small, large);
  assert.ok(small.named > 2_000 * 3, `at least a few instructions per turn of the loop: ${small.named}`);
  // The rest of a request (parsing, answering) is the same in both.
  const rest = [small.all - small.named, large.all - large.named];
  assert.ok(Math.abs(rest[0]! - rest[1]!) / rest[0]! < 0.1, `the rest of a request: ${rest.join(' and ')}`);
});

test('fullCollection: the server collects its garbage halfway through the warm-up, before the count', async (t) => {
  const dir = await serverDirectory(t);
  if (dir === undefined) return;
  const fresh = await countServer(dir, 2_000, 300);
  // The signal reached the server (with \`gc\` exposed: the collecting listener would throw
  // without it) before counting began: every counted request ran the tripled loop.
  const collected = await countServer(dir, 2_000, 300, true);
  assertTripled(fresh, collected);
});
