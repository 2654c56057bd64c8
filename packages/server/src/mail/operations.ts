import type { CoreDeps } from '../auth/context.js';
import type { MailKind, MailQuery, MailStatus } from '../store/mailQueue.js';

/** A queued message as an operator sees it (never its link). */
export interface MailView {
  readonly id: string;
  readonly status: MailStatus;
  readonly kind: MailKind;
  readonly recipient: string;
  readonly attempts: number;
  readonly createdAt: string;
  /** When it went, or when it is tried next (for a pending message). */
  readonly sentAt: string | null;
  readonly nextAttemptAt: string | null;
  readonly lastError: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The mail queue, newest first (`baton mail list`). */
export async function listQueuedMail(
  deps: Pick<CoreDeps, 'store'>,
  query: MailQuery = {},
): Promise<MailView[]> {
  const messages = await deps.store.listMail(query);
  return messages.map((mail) => {
    const status: MailStatus = mail.sentAt !== null ? 'sent' : mail.failedAt !== null ? 'failed' : 'pending';
    return {
      id: mail.id,
      status,
      kind: mail.kind,
      recipient: mail.recipient,
      attempts: mail.attempts,
      createdAt: iso(mail.createdAt) ?? '',
      sentAt: iso(mail.sentAt),
      nextAttemptAt: status === 'pending' ? iso(mail.nextAttemptAt) : null,
      lastError: mail.lastError,
    };
  });
}

/**
 * Makes unsent messages due now (`baton mail retry`): one by id, or all of them, those given up
 * included (with a fresh set of attempts). A running server delivers them within a second.
 * Returns how many.
 */
export function retryQueuedMail(deps: Pick<CoreDeps, 'store' | 'clock'>, id?: string): Promise<number> {
  return deps.store.retryMail(deps.clock.now(), id);
}
