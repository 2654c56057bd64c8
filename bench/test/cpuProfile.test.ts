/**
 * `npm run profile` counts only the samples taken while its load ran: the window is marked out
 * with the load generator's clock, which must be the clock of the profiled process's samples.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { type CpuProfile, samplesBetween, summarise } from '../lib/cpuProfile.js';

const frame = (functionName: string) => ({ functionName, url: '', lineNumber: 0 });

test('samplesBetween keeps the samples inside the window, with their spacing', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 4] },
      { id: 2, callFrame: frame('before') },
      { id: 3, callFrame: frame('during') },
      { id: 4, callFrame: frame('after') },
    ],
    samples: [2, 3, 3, 4],
    startTime: 1000,
    timeDeltas: [10, 10, 10, 10],
  };
  const windowed = samplesBetween(profile, 1015, 1035);
  assert.deepEqual(windowed.samples, [3, 3]);
  assert.deepEqual(windowed.timeDeltas, [5, 10]);
  assert.equal(windowed.startTime, 1015);
  assert.match(summarise(windowed), /^2 samples\./);
  assert.doesNotMatch(summarise(windowed), /before|after/);
});

test("a real process's samples are windowed by this process's clock", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-profile-'));
  try {
    // Busy in `first`, then in `second`, printing the clock (µs) between and after.
    const script = `
      const now = () => Number(process.hrtime.bigint() / 1000n);
      const spin = (ms) => { const end = Date.now() + ms; let x = 0; while (Date.now() < end) x++; return x; };
      function first() { return spin(300); }
      function second() { return spin(300); }
      first();
      const between = now();
      second();
      console.log(JSON.stringify([between, now()]));`;
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      '-e',
      script,
    ]);
    const [from, to] = JSON.parse(stdout) as [number, number];
    const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    assert.ok(file, 'no profile was written');
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const during = samplesBetween(profile, from, to);
    // Samples under `first` and under `second`, anywhere in their stacks (spin sits above both).
    const stacksOf = (p: CpuProfile) => {
      const parent = new Map<number, number>();
      for (const node of p.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
      const names = new Map(p.nodes.map((node) => [node.id, node.callFrame.functionName]));
      let first = 0;
      let second = 0;
      for (const id of p.samples) {
        for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
          if (names.get(at) === 'first') first++;
          if (names.get(at) === 'second') second++;
        }
      }
      return { first, second };
    };
    const inWhole = stacksOf(profile);
    const inWindow = stacksOf(during);
    assert.ok(inWhole.first > 100 && inWhole.second > 100, `both ran: ${JSON.stringify(inWhole)}`);
    assert.equal(inWindow.first, 0, `nothing of the first: ${JSON.stringify(inWindow)}`);
    assert.ok(inWindow.second > 100, `the second's samples: ${JSON.stringify(inWindow)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
