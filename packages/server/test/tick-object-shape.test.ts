/**
 * `keepTickObjectShape` (src/tickObjectShape.ts): after a full garbage collection, Node 20's
 * `process.nextTick` must still build its tick objects on V8's fast path. What the test reads is
 * V8's own feedback for the tick-object literal inside `nextTick`, printed by `%DebugPrint` in a
 * child process started with `--allow-natives-syntax --expose-gc`: its property definitions must
 * stay MONOMORPHIC. Without the kept tick object they turn MEGAMORPHIC (the control run shows it
 * on this Node), and every later `nextTick` goes through V8's runtime.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const SERVER_INDEX = new URL('../src/index.ts', import.meta.url).href;

/**
 * Runs nextTick, then a full collection while no tick object is alive (as between two bursts of
 * requests), then nextTick again, in a fresh Node; `withServer` first builds a Baton server (and
 * closes it). Answers the states of the literal's property definitions in nextTick's feedback.
 */
async function literalFeedbackAfterFullGc(withServer: boolean): Promise<string[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-tick-'));
  const script = `
    const ticks = async () => { for (let i = 0; i < 50; i++) await new Promise((r) => process.nextTick(r)); };
    const pause = () => new Promise((r) => setTimeout(r, 5));
    const { createServer } = await import(${JSON.stringify(SERVER_INDEX)});
    if (${withServer}) {
      const app = await createServer({ dataDir: ${JSON.stringify(dataDir)}, logLevel: false });
      await app.inject({ method: 'GET', url: '/healthz' });
      await app.close();
    }
    await ticks();
    await pause();
    globalThis.gc();
    globalThis.gc();
    await pause();
    await ticks();
    %DebugPrint(process.nextTick);
  `;
  // V8 prints through C's buffered stdout: into a pipe, the end of the print can be lost at exit.
  const outFile = join(dataDir, 'debug-print.txt');
  const out = openSync(outFile, 'w');
  try {
    const child = spawn(
      process.execPath,
      [
        '--allow-natives-syntax',
        '--expose-gc',
        '--conditions=@baton/source',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
      ],
      { stdio: ['ignore', out, 'inherit'] },
    );
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, 'the child process ran to its end');
    return [
      ...readFileSync(outFile, 'utf8').matchAll(/slot #\d+ DefineKeyedOwnPropertyInLiteral (\w+)/g),
    ].map((match) => match[1] as string);
  } finally {
    closeSync(out);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('after a full garbage collection, nextTick still builds its tick objects on the fast path in a process running Baton', async (t) => {
  const control = await literalFeedbackAfterFullGc(false);
  if (control.length === 0) {
    t.skip("skipped: this Node's %DebugPrint does not print feedback slots");
    return;
  }
  if (!control.includes('MEGAMORPHIC')) {
    t.skip(
      `skipped: on Node ${process.version} a full collection leaves nextTick's feedback as it was (${control.join(', ')}); nothing to keep`,
    );
    return;
  }
  const withBaton = await literalFeedbackAfterFullGc(true);
  assert.ok(withBaton.length > 0, 'the feedback slots were printed');
  assert.deepEqual(
    withBaton,
    withBaton.map(() => 'MONOMORPHIC'),
    `nextTick's literal feedback after a full collection with Baton: ${withBaton.join(', ')} (without: ${control.join(', ')})`,
  );
});
