/** An example API running as a real process on a free port of 127.0.0.1, as a user would start it. */
import type { ChildProcess } from 'node:child_process';
import { freePort, spawnUntilHealthy } from '../../packages/server/test/support/serverProcess.js';

export interface ApiProcess {
  readonly url: string;
  /** Everything it printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A test runner that dies must not leave example servers behind.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Spawns `command args` with `env(port)` added, and waits until `GET /healthz` answers 200.
 * `stop` sends SIGTERM and waits for the exit (SIGKILL after 5 s).
 */
export async function startApiProcess(
  command: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env: (port: number) => Record<string, string> },
): Promise<ApiProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = await spawnUntilHealthy(command, args, {
    cwd: options.cwd,
    env: options.env(port),
    healthUrl: `${url}/healthz`,
  });
  running.add(started.child);
  return {
    url,
    output: started.output,
    async stop() {
      running.delete(started.child);
      await started.stop();
    },
  };
}
