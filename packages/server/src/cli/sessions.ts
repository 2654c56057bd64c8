import { auditCli, type Command, parseCommand, required, stdout, UsageError, withStore } from './command.js';
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
  await withStore(async (store, config) => {
    const user = await userByEmail(store, required(values.user, 'user'));
    const ended = await store.revokeUserSessions(user.id, 'admin', config.clock.now());
    await auditCli(store, config, 'sessions_revoked_all', { userId: user.id }, { count: ended });
    stdout.line(`ended ${ended} session(s) of ${user.email}`);
  });
};
