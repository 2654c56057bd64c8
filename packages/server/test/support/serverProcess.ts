import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/server, where `src/cli.ts` lives. */
export const SERVER_PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The `baton` command as a child process runs it: the TypeScript sources through tsx. */
export const BATON = [
  process.execPath,
  '--conditions=@baton/source',
  '--import',
  'tsx',
  'src/cli.ts',
] as const;

/** A `baton serve` child process listening on a free port of 127.0.0.1. */
export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown hook, no flush, no close. Resolves once the process is gone. */
  kill(): Promise<void>;
}

/**
 * A free port of 127.0.0.1 kept listening until `release()`: for a server whose URL must be known
 * (and handed to another process that picks free ports of its own) well before it listens.
 */
export async function holdFreePort(): Promise<{ readonly port: number; release(): Promise<void> }> {
  const holder = net.createServer();
  holder.listen(0, '127.0.0.1');
  await once(holder, 'listening');
  const { port } = holder.address() as net.AddressInfo;
  let released: Promise<unknown> | undefined;
  return {
    port,
    async release() {
      released ??= new Promise((resolve) => holder.close(resolve));
      await released;
    },
  };
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const held = await holdFreePort();
  await held.release();
  return held.port;
}

/**
 * Starts `baton serve` with `env` added to this process's environment, and waits until it answers.
 * `baton` is the TypeScript sources ({@link BATON}, run in packages/server) unless `baton` and
 * `cwd` name another build of it.
 */
export async function startServerProcess(
  env: Record<string, string>,
  { baton = BATON, cwd = SERVER_PACKAGE }: { readonly baton?: readonly string[]; readonly cwd?: string } = {},
): Promise<ServerProcess> {
  const [command, ...args] = baton;
  if (command === undefined) throw new Error('no command to start');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = await spawnUntilHealthy(command, [...args, 'serve'], {
    cwd,
    env: { BATON_HOST: '127.0.0.1', BATON_LOG_LEVEL: 'warn', ...env, BATON_PORT: String(port) },
    healthUrl: `${url}/healthz`,
  });
  return { url, ...started };
}

/** A child process that answered its health check, with what it printed and how to end it. */
export interface HealthyProcess {
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  readonly cwd: string;
  /** Added to {@link SpawnOptions.baseEnv}. */
  readonly env: Record<string, string>;
  readonly healthUrl: string;
  /** The environment `env` is added to (default: this process's). */
  readonly baseEnv?: NodeJS.ProcessEnv;
  /**
   * Starts the command as the leader of a process group of its own, and signals the whole group.
   * For launchers that run the server as a grandchild and do not pass signals on: `npx baton
   * serve` (npm 11 exits on SIGTERM and leaves the server running).
   */
  readonly processGroup?: boolean;
}

/**
 * Spawns `command args` with `env` added to this process's environment, and waits (30 s at most)
 * until `healthUrl` answers 2xx. Throws with the process's output if it exits or never answers.
 */
export async function spawnUntilHealthy(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): Promise<HealthyProcess> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...(options.baseEnv ?? process.env), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.processGroup === true,
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const closed = outputEnded(child);
  const group = options.processGroup === true ? child.pid : undefined;
  const { gone, signal, ended } =
    group === undefined
      ? {
          gone: () => child.exitCode !== null || child.signalCode !== null,
          signal: (name: NodeJS.Signals) => child.kill(name),
          ended: () => closed,
        }
      : processGroupControl(group, closed);
  const stop = async () => {
    if (gone()) return void (await closed);
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 5000);
    await ended();
    clearTimeout(timer);
  };
  const kill = async () => {
    if (gone()) return void (await closed);
    signal('SIGKILL');
    await ended();
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}:\n${output}`);
    const healthy = await fetch(options.healthUrl).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${command} did not answer ${options.healthUrl} within 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, output: () => output, stop, kill };
}

/**
 * Resolves when `child` has exited and its pipes are read to the end: after 'exit' its last lines
 * can still be in the pipe, and a test reading the output after `stop()` must see them (a
 * SIGTERM's request line went missing in CI). A grandchild still holding the pipe (a gunicorn
 * worker after its master was killed) would keep it open for good: 2 s after the exit at most.
 */
async function outputEnded(child: ChildProcess): Promise<void> {
  const closed = once(child, 'close');
  await once(child, 'exit');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
  clearTimeout(timer);
}

/**
 * Signals and waits for every process of the group led by `leader`. Its members are not our
 * children, so no exit event comes: `ended` polls until signal 0 finds none, for 10 s at most (a
 * member orphaned under an init that does not reap would stay a zombie, which runs nothing), then
 * waits for the leader's pipes to close (`leaderClosed`), so that its output is complete.
 */
function processGroupControl(leader: number, leaderClosed: Promise<unknown>) {
  const gone = () => {
    try {
      process.kill(-leader, 0);
      return false;
    } catch {
      return true;
    }
  };
  const signal = (name: NodeJS.Signals) => {
    if (!gone()) process.kill(-leader, name);
  };
  const ended = async () => {
    const deadline = Date.now() + 10_000;
    while (!gone() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    if (gone()) await leaderClosed;
  };
  return { gone, signal, ended };
}

/** Sends JSON and returns the status and parsed body. */
export async function postJson(
  url: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

/** GETs with a bearer token and returns the status and parsed body. */
export async function getJson(url: string, token?: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
