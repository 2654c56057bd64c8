/**
 * The run's CPU account (`lib/foreignCpu.ts`): a process the run started counts as the run's even
 * after it ended, and a process outside the run's tree counts as other work. Each busy process
 * reports the CPU time it burned itself; the account is checked against that, in whole ticks.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startCpuAccount } from '../lib/foreignCpu.js';

const run = promisify(execFile);

/** Burns `ms` of CPU time, then writes the CPU time it used (ms) to `file` (or prints it). */
const burner = (ms: number, file?: string) =>
  `const t = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
   while (t() < ${ms}) {}
   const used = String(t());
   ${file ? `require('node:fs').writeFileSync(${JSON.stringify(file)}, used)` : 'process.stdout.write(used)'};`;

/** The number a detached burner wrote to `file`, once it has (polling; a minute at most). */
async function reported(file: string): Promise<number> {
  for (let waited = 0; waited < 60_000; waited += 50) {
    try {
      const text = readFileSync(file, 'utf8');
      if (text.length > 0) return Number(text);
    } catch {
      // Not written yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing was written to ${file} within a minute`);
}

/**
 * Slack for the kernel's rounding: CPU time is kept in whole ticks (10 ms), and the account adds
 * four rounded counters per process.
 */
const TICK = 40;

const onLinux = process.platform === 'linux';

test('a child the run started counts as the run’s, also once it has ended', {
  skip: !onLinux && 'skipped: needs /proc (Linux)',
}, async () => {
  const account = startCpuAccount();
  const { stdout } = await run(process.execPath, ['-e', burner(300)]);
  const burned = Number(stdout);
  const { run: runTicks } = account();
  assert.ok(burned >= 300);
  assert.ok(
    runTicks * 10 >= burned - TICK,
    `the run counted ${runTicks * 10} ms, the child burned ${burned} ms`,
  );
  // Counted once: the child's time reaches this process when it is reaped, and only then.
  assert.ok(runTicks * 10 < 2 * burned, `the run counted ${runTicks * 10} ms for a ${burned} ms child`);
});

test('a process outside the run’s tree counts as other work', {
  skip: !onLinux && 'skipped: needs /proc (Linux)',
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cpu-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const report = join(dir, 'burned');
  const script = join(dir, 'burn.cjs');
  writeFileSync(script, burner(300, report));
  const account = startCpuAccount();
  // The shell exits at once and leaves the burner to init: no longer a descendant of the run.
  await run('/bin/sh', ['-c', '"$0" "$1" </dev/null >/dev/null 2>&1 &', process.execPath, script]);
  const burned = await reported(report);
  const { foreign, machine, run: runTicks, services } = account();
  assert.ok(burned >= 300);
  assert.ok(
    foreign * 10 >= burned - TICK,
    `other work counted ${foreign * 10} ms (machine ${machine * 10} ms), the orphan burned ${burned} ms`,
  );
  // Other load on the machine can only add to `foreign`; this says the orphan is not the run's.
  // PostgreSQL and Redis count as the run's, and other clients of theirs (a test suite beside
  // this one) may keep them busy meanwhile: they are left out here.
  const ownTicks = runTicks - services;
  assert.ok(
    ownTicks * 10 < burned / 2,
    `the run's processes counted ${ownTicks * 10} ms (and PostgreSQL and Redis ${services * 10} ms) while the orphan burned ${burned} ms`,
  );
});
