import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { CoreDeps } from '../auth/context.js';
import { optionsFromEnv, resolveConfig } from '../config.js';
import { openStore } from '../openStore.js';

/** A mistake in how the command was called: printed as one line, exit code 2. */
export class UsageError extends Error {
  readonly code = 'usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One `baton` command: takes its arguments, prints its result, throws on failure. */
export type Command = (argv: string[]) => Promise<void>;

/** Where a command writes; tests and embedding tools can capture it. */
export interface Output {
  line(text: string): void;
}

export const stdout: Output = { line: (text) => void process.stdout.write(`${text}\n`) };

/**
 * Parses `argv` with node:util's strict parser plus `--help`; returns undefined (after printing
 * `help`) when help was asked for.
 */
export function parseCommand(
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  help: string,
): Readonly<Record<string, string | boolean | undefined>> | undefined {
  const { values } = parseArgs({
    args: argv,
    options: { ...options, help: { type: 'boolean', short: 'h' } },
    allowPositionals: false,
    strict: true,
  });
  const flags = values as Record<string, string | boolean | undefined>;
  if (flags.help) {
    stdout.line(help);
    return undefined;
  }
  return flags;
}

/** The value of a required string option, or a {@link UsageError} naming it. */
export function required(value: string | boolean | undefined, name: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/**
 * Opens (and migrates) the store that `baton serve` would use with the same `BATON_*` variables,
 * runs `work` with what domain operations need, and always closes the store.
 */
export async function withStore<T>(work: (deps: CoreDeps) => Promise<T>): Promise<T> {
  const config = resolveConfig(optionsFromEnv());
  const store = await openStore(config);
  try {
    await store.migrate();
    return await work({ store, config, clock: config.clock });
  } finally {
    await store.close();
  }
}
