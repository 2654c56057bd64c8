import { OPERATOR } from '../auth/context.js';
import { endAllSessions } from '../auth/sessions.js';
import { type Command, parseCommand, required, stdout, UsageError, withStore } from './command.js';
import { userByEmail } from './users.js';

const HELP = `Usage: baton sessions revoke --user EMAIL

Ends every live session of a user at once (e.g. a lost device or a compromised account). Their
refresh tokens stop working immediately; access tokens already issued expire within
BATON_ACCESS_TTL (Baton's own API refuses them within a second).`;

/** `baton sessions revoke --user EMAIL`. */
export const sessions: Command = async (argv) => {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') return stdout.line(HELP);
  if (sub !== 'revoke') throw new UsageError(`unknown sessions command '${sub}'\n\n${HELP}`);
  const values = parseCommand(rest, { user: { type: 'string' } }, HELP);
  if (!values) return;
  await withStore(async (deps) => {
    const user = await userByEmail(deps.store, required(values.user, 'user'));
    const ended = await endAllSessions(deps, user.id, OPERATOR, 'admin');
    stdout.line(`ended ${ended} session(s) of ${user.email}`);
  });
};
