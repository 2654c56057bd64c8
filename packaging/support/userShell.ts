/**
 * Commands run the way a person runs them in a project of their own: outside this repository, in
 * an environment without what npm adds for the repository's own scripts.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The root of this repository, whose published workspaces are packed. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function isInside(dir: string, root: string): boolean {
  const relative = path.relative(root, path.resolve(dir));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * This process's environment less what `npm test` put there for the workspace: a child npm would
 * read `npm_config_local_prefix` and install into the repository, `npm_config_workspaces` would ask
 * the scratch project for workspaces, PATH would reach the repository's `node_modules/.bin`, and
 * `NODE_TEST_CONTEXT` would make a child `node --test` report to us instead of printing. The npm
 * cache setting stays: reusing the cache that `npm ci` filled is what makes the installs fast.
 */
export function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const name = key.toLowerCase();
    if (name.startsWith('npm_') && name !== 'npm_config_cache') continue;
    if (key === 'NODE_TEST_CONTEXT' || key === 'NODE_OPTIONS' || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => dir !== '' && !isInside(dir, REPO_ROOT))
    .join(path.delimiter);
  env.NG_CLI_ANALYTICS = 'false';
  return env;
}

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  /** stdout and stderr as they came. */
  readonly output: string;
  readonly seconds: number;
}

/** Runs `command args` in `cwd` with {@link userEnv} (plus `env`), and collects what it printed. */
export function run(
  command: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env?: Record<string, string> },
): Promise<CommandResult> {
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...userEnv(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, output, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** {@link run}, throwing with the end of the output when the command fails. */
export async function runOrThrow(
  command: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env?: Record<string, string> },
): Promise<CommandResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    const shown = result.output.length > 6000 ? `...${result.output.slice(-6000)}` : result.output;
    throw new Error(
      `\`${[command, ...args].join(' ')}\` in ${options.cwd} exited with ${result.code}:\n${shown}`,
    );
  }
  return result;
}
