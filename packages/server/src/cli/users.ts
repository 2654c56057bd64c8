import { text } from 'node:stream/consumers';
import { createAccount, setAccountDisabled } from '../auth/accounts.js';
import { OPERATOR } from '../auth/context.js';
import { normaliseEmail } from '../auth/emails.js';
import { ProblemError } from '../errors.js';
import type { Store, UserRecord } from '../store/store.js';
import { type Command, parseCommand, required, stdout, UsageError, withStore } from './command.js';

const HELP = `Usage: baton users <create|disable|enable|list> [options]

  create --email E [--name N] --password-stdin   Create an account; the password is read from
                                                 standard input (never from the command line)
  disable --email E                              Disable an account and end all its sessions
  enable --email E                               Enable a disabled account
  list [--limit N] [--offset N] [--json]         List accounts, oldest first`;

/** Finds a user by email or throws a {@link UsageError}. */
export async function userByEmail(store: Store, email: string): Promise<UserRecord> {
  const user = await store.findUserByEmailKey(normaliseEmail(email).key);
  if (!user) throw new UsageError(`no user with email ${email}`);
  return user;
}

const create: Command = async (argv) => {
  const values = parseCommand(
    argv,
    { email: { type: 'string' }, name: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    HELP,
  );
  if (!values) return;
  if (!values['password-stdin']) throw new UsageError('--password-stdin is required (pipe the password in)');
  const password = (await text(process.stdin)).replace(/\r?\n$/, '');
  const email = required(values.email, 'email');
  await withStore(async (deps) => {
    const name = typeof values.name === 'string' ? values.name : undefined;
    const user = await createAccount(deps, { email, password, name }, OPERATOR);
    stdout.line(`created user ${user.id} <${user.email}>`);
  });
};

const setDisabled =
  (disabled: boolean): Command =>
  async (argv) => {
    const values = parseCommand(argv, { email: { type: 'string' } }, HELP);
    if (!values) return;
    await withStore(async (deps) => {
      const user = await userByEmail(deps.store, required(values.email, 'email'));
      const ended = await setAccountDisabled(deps, user, disabled, OPERATOR);
      stdout.line(disabled ? `disabled ${user.email}; ended ${ended} session(s)` : `enabled ${user.email}`);
    });
  };

const list: Command = async (argv) => {
  const values = parseCommand(
    argv,
    { limit: { type: 'string' }, offset: { type: 'string' }, json: { type: 'boolean' } },
    HELP,
  );
  if (!values) return;
  const count = (raw: string | boolean | undefined, fallback: number, name: string) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new UsageError(`--${name} expects a whole number`);
    return value;
  };
  const page = { limit: count(values.limit, 100, 'limit'), offset: count(values.offset, 0, 'offset') };
  await withStore(async ({ store }) => {
    const users = (await store.listUsers(page)).map((user) => ({
      id: user.id,
      email: user.email,
      name: user.name,
      disabled: user.disabled,
      createdAt: new Date(user.createdAt).toISOString(),
    }));
    if (values.json) return stdout.line(JSON.stringify(users));
    for (const user of users) {
      stdout.line(`${user.id}  ${user.email}${user.disabled ? '  (disabled)' : ''}  ${user.createdAt}`);
    }
  });
};

const SUBCOMMANDS: Readonly<Record<string, Command>> = {
  create,
  disable: setDisabled(true),
  enable: setDisabled(false),
  list,
};

/** `baton users ...`: account administration. */
export const users: Command = async (argv) => {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') return stdout.line(HELP);
  const run = SUBCOMMANDS[sub];
  if (!run) throw new UsageError(`unknown users command '${sub}'\n\n${HELP}`);
  try {
    await run(rest);
  } catch (error) {
    // Policy failures (weak password, malformed email) are the caller's to fix.
    if (error instanceof ProblemError) throw new UsageError(error.detail);
    throw error;
  }
};
