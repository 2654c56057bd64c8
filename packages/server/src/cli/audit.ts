import { AUDIT_KINDS, type AuditKind } from '../store/store.js';
import { type Command, parseCommand, stdout, UsageError, withStore } from './command.js';
import { userByEmail } from './users.js';

const KINDS: readonly AuditKind[] = AUDIT_KINDS;

const HELP = `Usage: baton audit [--user EMAIL] [--kind KIND] [--limit N] [--json]

Prints the audit log, newest first: logins (ok and failed), reuse detections, revocations,
password changes and operator actions, with time, user, session, IP and user agent.

  --user EMAIL   only this user's events
  --kind KIND    one of ${KINDS.join(', ')}
  --limit N      at most N events (default 50, at most 10000)
  --json         one JSON object per line instead of a table`;

/** `baton audit`: the audit log for operators. */
export const audit: Command = async (argv) => {
  const values = parseCommand(
    argv,
    {
      user: { type: 'string' },
      kind: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    },
    HELP,
  );
  if (!values) return;
  const kind = values.kind;
  if (kind !== undefined && !KINDS.includes(kind as AuditKind)) {
    throw new UsageError(`--kind must be one of ${KINDS.join(', ')}`);
  }
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new UsageError('--limit must be a whole number from 1 to 10000');
  }
  await withStore(async ({ store }) => {
    const userId = typeof values.user === 'string' ? (await userByEmail(store, values.user)).id : undefined;
    const events = await store.listAudit({
      limit,
      ...(userId === undefined ? {} : { userId }),
      ...(kind === undefined ? {} : { kind: kind as AuditKind }),
    });
    for (const event of events) {
      if (values.json) {
        stdout.line(JSON.stringify({ ...event, at: new Date(event.at).toISOString() }));
        continue;
      }
      const detail = event.detail ? ` ${JSON.stringify(event.detail)}` : '';
      stdout.line(
        [
          new Date(event.at).toISOString(),
          event.kind,
          event.userId ?? '-',
          event.sessionId ?? '-',
          event.ip ?? '-',
        ]
          .join('  ')
          .concat(`  ${event.userAgent ?? '-'}${detail}`),
      );
    }
    if (events.length === 0) stdout.line('no audit events');
  });
};
