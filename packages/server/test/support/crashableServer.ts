import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/server: the child runs `src/cli.ts` from here, under tsx like the tests. */
const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LISTENING = /Baton listening on (http:\/\/[^\s"]+)/;

/** `baton serve` in a child process of its own, so that it can be killed like a real one. */
export interface CrashableServer {
  readonly url: string;
  readonly child: ChildProcess;
  /** SIGKILL: no shutdown hook, no flush, no close. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful close), SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
}

/**
 * Starts `baton serve` on `dataDir` with a free port (BATON_PORT=0) and resolves with the URL it
 * prints in its "Baton listening on ..." log line. `env` adds or overrides BATON_* variables.
 */
export async function startCrashableServer(
  dataDir: string,
  env: Readonly<Record<string, string>> = {},
): Promise<CrashableServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: PACKAGE_DIR,
    env: {
      ...process.env,
      BATON_DATA_DIR: dataDir,
      BATON_HOST: '127.0.0.1',
      BATON_PORT: '0',
      BATON_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`baton serve did not start in 30 s:\n${output}`)),
      30_000,
    );
    // The pipes stay drained after start (a full pipe would block the server), but unread.
    let listening = false;
    const read = (chunk: Buffer) => {
      if (listening) return;
      output += chunk.toString();
      const match = LISTENING.exec(output);
      if (match?.[1]) {
        listening = true;
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`baton serve exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  const waitForExit = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await exited;
  };
  return {
    url,
    child,
    kill: () => waitForExit('SIGKILL'),
    async stop() {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await waitForExit('SIGTERM');
      clearTimeout(timer);
    },
  };
}
