/**
 * Instruction counts of a server's event loop with valgrind's callgrind: what a request costs in
 * instructions executed, within 1% from one quiet run to the next (bench/README.md), where CPU
 * time per request moved by 40% between back-to-back runs on this 2-core machine. JavaScript
 * compiled by V8 is named through Node's `--perf-basic-prof` map.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { getExactly } from './getLoop.js';
import { launch } from './processes.js';

const run = promisify(execFile);

/**
 * valgrind's arguments to run `command` under callgrind with counting off until
 * {@link callgrindControl} turns it on, one output file per thread (`<outFile>.<dump>-<thread>`),
 * and JIT code re-read when V8 rewrites it.
 */
function underCallgrind(outFile: string, command: string, args: readonly string[]): string[] {
  return [
    '--tool=callgrind',
    '--instr-atstart=no',
    '--separate-threads=yes',
    '--smc-check=all-non-file',
    `--callgrind-out-file=${outFile}`,
    command,
    ...args,
  ];
}

/** Turns counting on or off in the callgrind process `pid`, or writes what it counted so far. */
async function callgrindControl(pid: number, action: 'on' | 'off' | 'dump'): Promise<void> {
  const args = action === 'dump' ? ['--dump', String(pid)] : ['--instr', action, String(pid)];
  await run('callgrind_control', args);
}

/** Whether valgrind is installed (Debian's `valgrind` package). */
export async function hasValgrind(): Promise<boolean> {
  try {
    await run('valgrind', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** The instructions counted by the first dump of `outFile`, per thread (1 is the main thread). */
function dumpedThreads(outFile: string): Map<number, string> {
  const prefix = `${basename(outFile)}.1-`;
  const threads = new Map<number, string>();
  for (const name of readdirSync(dirname(outFile))) {
    if (name.startsWith(prefix)) threads.set(Number(name.slice(prefix.length)), join(dirname(outFile), name));
  }
  return threads;
}

/** The total a callgrind output file gives (its `totals:` line). */
export function totalOf(text: string): number {
  const match = /^totals: (\d+)/m.exec(text);
  if (!match) throw new Error('not a callgrind output: it has no totals line');
  return Number(match[1]);
}

/** Turns an address callgrind could not name (`0x...`) into the name of the JIT code there. */
export type Namer = (name: string) => string;

/**
 * Names from Node's `--perf-basic-prof` map (`/tmp/perf-<pid>.map`: start, size and name of each
 * piece of code V8 generated), e.g. `JS:*onSendHook .../fastify/lib/reply.js:565:21`. The tier
 * marks (`*` optimised, `^` baseline, `~` interpreted) are dropped, so a function's instructions
 * add up whatever tier ran them. Addresses outside the map keep their `0x...` name.
 */
export function perfMapNamer(mapText: string): Namer {
  const ranges = mapText
    .split('\n')
    .map((line) => /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({
      start: Number.parseInt(match[1] as string, 16),
      end: Number.parseInt(match[1] as string, 16) + Number.parseInt(match[2] as string, 16),
      name: (match[3] as string).replace(/^(JS:|LazyCompile:)[*^~+]?/, 'JS:'),
    }))
    .sort((a, b) => a.start - b.start);
  return (name) => {
    const address = /^0x([0-9a-f]+)$/.exec(name);
    if (!address) return name;
    const at = Number.parseInt(address[1] as string, 16);
    // The last range starting at or before the address, found by bisection.
    let low = 0;
    let high = ranges.length - 1;
    let found: (typeof ranges)[number] | undefined;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const range = ranges[middle] as (typeof ranges)[number];
      if (range.start <= at) {
        found = range;
        low = middle + 1;
      } else high = middle - 1;
    }
    return found && at < found.end ? found.name : name;
  };
}

/**
 * Each function's own instructions (not those of what it calls) in a callgrind output file with
 * name compression (callgrind's default), by the name `nameOf` gives it.
 */
export function selfCounts(text: string, nameOf: Namer = (name) => name): Map<string, number> {
  const names = new Map<string, string>();
  // `fn=(12) name` defines a compressed name, `fn=(12)` refers back to it.
  const resolve = (spec: string): string => {
    const match = /^\((\d+)\)(?: (.*))?$/.exec(spec);
    if (!match) return nameOf(spec.trim());
    const [, id, name] = match as unknown as [string, string, string | undefined];
    if (name !== undefined) names.set(id, nameOf(name.trim()));
    return names.get(id) ?? `(${id})`;
  };
  const counts = new Map<string, number>();
  let current: string | undefined;
  // The cost line after a `calls=` line is what the call cost, counted in the callee already.
  let callCost = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('fn=')) current = resolve(line.slice(3));
    else if (line.startsWith('cfn=')) resolve(line.slice(4));
    else if (line.startsWith('calls=')) callCost = true;
    else if (/^[+-]?\d+ \d+$|^\* \d+$/.test(line)) {
      if (callCost) callCost = false;
      else if (current !== undefined) {
        const cost = Number(line.slice(line.indexOf(' ') + 1));
        counts.set(current, (counts.get(current) ?? 0) + cost);
      }
    }
  }
  return counts;
}

/**
 * The perf map Node wrote for process `pid`, removed once read (one is written per process and they
 * grow), or an empty one (nothing named) if there is none.
 */
function takePerfMap(pid: number): string {
  const path = `/tmp/perf-${pid}.map`;
  if (!existsSync(path)) return '';
  const text = readFileSync(path, 'utf8');
  rmSync(path, { force: true });
  return text;
}

/** One server counted under load: how to start it and what to send it. */
export interface CountedLoad {
  /** The server's name, in errors. */
  readonly name: string;
  /** Node's arguments, script included. */
  readonly nodeArgs: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Polled until it answers 200: the server is then up. */
  readonly healthUrl: string;
  /** What is requested (GET), warm-up and counted requests alike. */
  readonly url: string;
  /** callgrind's output file (its per-thread files go beside it). */
  readonly outFile: string;
  /** Requests sent before counting, uncounted. */
  readonly warmUp: number;
  /** Requests counted. */
  readonly count: number;
  /** Keep-alive connections the requests go over. */
  readonly connections: number;
  /** Run once the server answers, before the warm-up: the headers every request carries. */
  readonly prepare?: () => Promise<Record<string, string>>;
  /**
   * Halfway through the warm-up, two full garbage collections, as a server that has run for a
   * while has had. Some of V8's state hangs on them: after them every server ran a third fewer
   * instructions per request (its compiler threads idle, no baseline code left on the request
   * path), and Node 20's `process.nextTick` once left V8's fast path for good after the first one
   * (packages/server/src/tickObjectShape.ts), which no count of a fresh process showed.
   */
  readonly fullCollection?: boolean;
}

/** Node's arguments that make the process collect all its garbage on {@link FULL_COLLECTION_SIGNAL}. */
const COLLECT_ON_SIGNAL = [
  '--expose-gc',
  "--import=data:text/javascript,process.on('SIGUSR2',()=>{globalThis.gc();globalThis.gc()})",
];
const FULL_COLLECTION_SIGNAL = 'SIGUSR2';

/** Instructions per request of a {@link CountedLoad}'s counted requests. */
export interface RequestCounts {
  /** On the event loop's thread. */
  readonly main: number;
  /** On every thread (V8's compiler threads, the thread pool). */
  readonly all: number;
  /** The main thread's own instructions (not its callees') by function, JavaScript named. */
  readonly functions: Map<string, number>;
}

/**
 * Starts `load`'s server under callgrind with counting off, sends the warm-up, counts
 * `load.count` requests exactly (counting on, requests, off, dump), stops the server and reads the
 * counts, per request.
 */
export async function countRequests(load: CountedLoad): Promise<RequestCounts> {
  const server = await launch({
    name: load.name,
    command: 'valgrind',
    args: underCallgrind(load.outFile, process.execPath, [
      '--perf-basic-prof',
      ...(load.fullCollection ? COLLECT_ON_SIGNAL : []),
      ...load.nodeArgs,
    ]),
    env: load.env,
    healthUrl: load.healthUrl,
  });
  try {
    const headers = (await load.prepare?.()) ?? {};
    if (load.fullCollection) {
      const half = Math.floor(load.warmUp / 2);
      await getExactly(load.url, half, load.connections, headers);
      process.kill(server.pid, FULL_COLLECTION_SIGNAL);
      await getExactly(load.url, load.warmUp - half, load.connections, headers);
    } else {
      await getExactly(load.url, load.warmUp, load.connections, headers);
    }
    await callgrindControl(server.pid, 'on');
    await getExactly(load.url, load.count, load.connections, headers);
    await callgrindControl(server.pid, 'off');
    await callgrindControl(server.pid, 'dump');
  } finally {
    await server.stop();
  }
  const nameOf = perfMapNamer(takePerfMap(server.pid));
  const threads = dumpedThreads(load.outFile);
  const mainFile = threads.get(1);
  if (!mainFile) throw new Error(`${load.name}: callgrind wrote no count of the main thread`);
  const mainText = readFileSync(mainFile, 'utf8');
  let all = 0;
  for (const file of threads.values()) all += totalOf(readFileSync(file, 'utf8'));
  const functions = selfCounts(mainText, nameOf);
  for (const [name, instructions] of functions) functions.set(name, instructions / load.count);
  return { main: totalOf(mainText) / load.count, all: all / load.count, functions };
}
