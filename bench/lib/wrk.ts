import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cpuMeter, type Meter } from './cpuSplit.js';
import { type RunningServer, withPeakRss } from './processes.js';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./wrk.lua', import.meta.url));

/** What one wrk run measured: throughput and latency of GETs under closed-loop load. */
export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Socket errors, timeouts and non-2xx answers. */
  readonly errors: number;
}

export interface LoadSpec {
  readonly url: string;
  readonly seconds: number;
  readonly connections: number;
  /** A file of bearer tokens, one a line, sent in turn. */
  readonly tokensFile?: string;
}

/**
 * Runs wrk with one thread (the other core is for the server), after a warm-up run of
 * `warmUpSeconds` whose numbers are dropped; `meter`, if given, sees the measured run begin and end.
 */
export async function measureGets(spec: LoadSpec, warmUpSeconds: number, meter?: Meter): Promise<LoadResult> {
  if (warmUpSeconds > 0) await wrk({ ...spec, seconds: warmUpSeconds });
  meter?.begin();
  const result = await wrk(spec);
  meter?.end(result.requests);
  return result;
}

/**
 * {@link measureGets} against `server`, with what the server took for it: its processes' CPU per
 * request in µs (undefined where /proc cannot tell) and their peak resident memory over the run.
 */
export async function measureServerGets(
  server: RunningServer,
  spec: LoadSpec,
  warmUpSeconds: number,
): Promise<{
  readonly result: LoadResult;
  readonly peakRssMiB: number;
  readonly cpuMicros: number | undefined;
}> {
  const meter = cpuMeter([server.pid]);
  const { result, peakRssMiB } = await withPeakRss(server, () => measureGets(spec, warmUpSeconds, meter));
  return { result, peakRssMiB, cpuMicros: meter.last()?.server };
}

async function wrk(spec: LoadSpec): Promise<LoadResult> {
  const args = [
    '-t1',
    `-c${spec.connections}`,
    `-d${spec.seconds}s`,
    '--timeout',
    '5s',
    '-s',
    SCRIPT,
    spec.url,
  ];
  if (spec.tokensFile) args.push('--', spec.tokensFile);
  const { stdout } = await run('wrk', args, { maxBuffer: 1 << 20 });
  const line = stdout.split('\n').find((text) => text.startsWith('WRK_RESULT '));
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  const raw = JSON.parse(line.slice('WRK_RESULT '.length)) as {
    requests: number;
    durationUs: number;
    errors: number;
    p50Us: number;
    p99Us: number;
  };
  return {
    requestsPerSecond: raw.requests / (raw.durationUs / 1e6),
    p50Ms: raw.p50Us / 1000,
    p99Ms: raw.p99Us / 1000,
    requests: raw.requests,
    errors: raw.errors,
  };
}

/** True when a `wrk` binary answers on the PATH. */
export async function wrkAvailable(): Promise<boolean> {
  try {
    await run('wrk', ['--version']);
    return true;
  } catch (error) {
    // wrk --version prints its banner and exits 1.
    return (
      typeof error === 'object' && error !== null && 'stdout' in error && String(error.stdout).includes('wrk')
    );
  }
}
