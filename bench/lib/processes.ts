import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { getStatus } from './http.js';
import { readProcesses, treeOf } from './procTable.js';

/** How to start one server under test. */
export interface LaunchSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Polled until it answers 200: the server is then up. */
  readonly healthUrl: string;
}

/** A server the harness started; it stops it (and its children, e.g. gunicorn workers) at the end. */
export interface RunningServer {
  readonly name: string;
  readonly pid: number;
  /** Milliseconds from spawn to the first 200 from the health URL. */
  readonly startupMs: number;
  /** Resident memory of the process and all its descendants, in MiB. */
  rssMiB(): number;
  stop(): Promise<void>;
}

export class ServerStartError extends Error {
  readonly code = 'server_start_failed';
}

const STARTUP_LIMIT_MS = 60_000;

/** Servers started and not yet stopped: killed with their groups if the harness exits early. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
});

/** Spawns a server in its own process group and waits for its first 200. */
export async function launch(spec: LaunchSpec): Promise<RunningServer> {
  const started = performance.now();
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: { ...process.env, BENCH_PARENT_PID: String(process.pid), ...spec.env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new ServerStartError(`${spec.name} exited before answering: ${stderr.trim()}`);
    if (performance.now() - started > STARTUP_LIMIT_MS) {
      await stopChild(child);
      throw new ServerStartError(`${spec.name} did not answer 200 within 60 s: ${stderr.trim()}`);
    }
    if ((await getStatus(spec.healthUrl)) === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const startupMs = performance.now() - started;
  const pid = child.pid!;
  return { name: spec.name, pid, startupMs, rssMiB: () => treeRssMiB(pid), stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // The group is gone already.
    }
  };
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Sums VmRSS over `pid` and its descendants, read from /proc (Linux only; 0 elsewhere). */
function treeRssMiB(pid: number): number {
  let kib = 0;
  for (const { pid: member } of treeOf(readProcesses(), pid)) {
    try {
      const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${member}/status`, 'utf8'));
      kib += Number(match?.[1] ?? 0);
    } catch {
      // Ended meanwhile.
    }
  }
  return kib / 1024;
}

/** Samples `server`'s RSS every 200 ms while `work` runs; returns the work's result and the peak. */
export async function withPeakRss<T>(
  server: RunningServer,
  work: () => Promise<T>,
): Promise<{ result: T; peakRssMiB: number }> {
  let peak = server.rssMiB();
  const timer = setInterval(() => {
    peak = Math.max(peak, server.rssMiB());
  }, 200);
  try {
    const result = await work();
    peak = Math.max(peak, server.rssMiB());
    return { result, peakRssMiB: peak };
  } finally {
    clearInterval(timer);
  }
}
