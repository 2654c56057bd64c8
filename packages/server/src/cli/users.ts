import { text } from 'node:stream/consumers';
import { createAccount, setAccountDisabled } from '../auth/accounts.js';
import { OPERATOR } from '../auth/context.js';
import { normaliseEmail } from '../auth/emails.js';
import { markEmailVerified } from '../auth/emailVerification.js';
import { setPasswordByOperator } from '../auth/passwordReset.js';
import { deleteAccount } from '../auth/profile.js';
import { ProblemError } from '../errors.js';
import type { Store, UserRecord } from '../store/store.js';
import { type Command, parseCommand, required, stdout, UsageError, withStore } from './command.js';

const HELP = `Usage: baton users <create|set-password|verify-email|disable|enable|delete|list> [options]

  create --email E [--name N] --password-stdin   Create an account; the password is read from
                                                 standard input (never from the command line)
  set-password --email E --password-stdin        Set a password; every session of the account ends
  verify-email --email E                         Mark the account's address as verified
  disable --email E                              Disable an account and end all its sessions
  enable --email E                               Enable a disabled account
  delete --email E --yes                         Delete an account and everything of it (sessions,
                                                 tokens, todos, mail); the audit trail stays,
                                                 without addresses or devices
  list [--limit N] [--offset N] [--json]         List accounts, oldest first`;

/** The password piped to standard input (never an argument: those show up in \`ps\` and shell history). */
async function passwordFromStdin(flag: string | boolean | undefined): Promise<string> {
  if (!flag) throw new UsageError('--password-stdin is required (pipe the password in)');
  return (await text(process.stdin)).replace(/\r?\n$/, '');
}

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
  const password = await passwordFromStdin(values['password-stdin']);
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

const setPassword: Command = async (argv) => {
  const values = parseCommand(
    argv,
    { email: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    HELP,
  );
  if (!values) return;
  const password = await passwordFromStdin(values['password-stdin']);
  await withStore(async (deps) => {
    const user = await userByEmail(deps.store, required(values.email, 'email'));
    const ended = await setPasswordByOperator(deps, user, password, OPERATOR);
    stdout.line(`set the password of ${user.email}; ended ${ended} session(s)`);
  });
};

const verifyEmail: Command = async (argv) => {
  const values = parseCommand(argv, { email: { type: 'string' } }, HELP);
  if (!values) return;
  await withStore(async (deps) => {
    const user = await userByEmail(deps.store, required(values.email, 'email'));
    await markEmailVerified(deps, user, OPERATOR);
    stdout.line(`verified ${user.email}`);
  });
};

const remove: Command = async (argv) => {
  const values = parseCommand(argv, { email: { type: 'string' }, yes: { type: 'boolean' } }, HELP);
  if (!values) return;
  const email = required(values.email, 'email');
  if (!values.yes) throw new UsageError(`deleting ${email} cannot be undone: add --yes to confirm`);
  await withStore(async (deps) => {
    const user = await userByEmail(deps.store, email);
    await deleteAccount(deps, user);
    stdout.line(`deleted ${user.email} and everything of the account`);
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
  'set-password': setPassword,
  'verify-email': verifyEmail,
  disable: setDisabled(true),
  enable: setDisabled(false),
  delete: remove,
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
