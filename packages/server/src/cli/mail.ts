import { listQueuedMail, retryQueuedMail } from '../mail/operations.js';
import { MAIL_STATUSES, type MailStatus } from '../store/mailQueue.js';
import { type Command, parseCommand, stdout, UsageError, withStore } from './command.js';

const HELP = `Usage: baton mail <list|retry> [options]

Account mail (reset, verification, email change) is queued in the database and delivered by the
running servers, with retries.

  list [--status pending|sent|failed] [--limit N] [--json]   The queue, newest first
  retry [--id ID]                                            Make unsent messages due now (one, or
                                                             all of them, those given up included)`;

const list: Command = async (argv) => {
  const values = parseCommand(
    argv,
    { status: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    HELP,
  );
  if (!values) return;
  const status = values.status;
  if (status !== undefined && !MAIL_STATUSES.includes(status as MailStatus))
    throw new UsageError(`--status must be one of ${MAIL_STATUSES.join(', ')}`);
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new UsageError('--limit must be a whole number from 1 to 10000');
  await withStore(async (deps) => {
    const messages = await listQueuedMail(deps, {
      limit,
      ...(status === undefined ? {} : { status: status as MailStatus }),
    });
    if (values.json) return stdout.line(JSON.stringify(messages));
    for (const mail of messages) {
      const when = mail.sentAt ?? (mail.nextAttemptAt ? `next ${mail.nextAttemptAt}` : '-');
      const error = mail.lastError ? `  (${mail.lastError})` : '';
      stdout.line(
        `${mail.id}  ${mail.status.padEnd(7)}  ${mail.kind}  ${mail.recipient}  attempts ${mail.attempts}  ${when}${error}`,
      );
    }
    if (messages.length === 0) stdout.line('no mail');
  });
};

const retry: Command = async (argv) => {
  const values = parseCommand(argv, { id: { type: 'string' } }, HELP);
  if (!values) return;
  const id = typeof values.id === 'string' ? values.id : undefined;
  await withStore(async (deps) => {
    const count = await retryQueuedMail(deps, id);
    if (id !== undefined && count === 0) throw new UsageError(`no unsent message with id ${id}`);
    stdout.line(`${count} message(s) due now`);
  });
};

const SUBCOMMANDS: Readonly<Record<string, Command>> = { list, retry };

/** `baton mail ...`: the mail queue. */
export const mail: Command = async (argv) => {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') return stdout.line(HELP);
  const run = SUBCOMMANDS[sub];
  if (!run) throw new UsageError(`unknown mail command '${sub}'\n\n${HELP}`);
  await run(rest);
};
