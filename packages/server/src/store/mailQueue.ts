/**
 * The storage contract of the mail queue. Account mail is queued in the database, so a request
 * never waits for an SMTP server, and delivered by the servers: each message is claimed by one
 * instance at a time with a lease, retried with exponential back-off kept in its row (so it
 * survives a restart), and marked sent only after the SMTP server accepted it.
 */

/** The messages Baton sends (rendered by `mail/messages.ts` when delivered). */
export type MailKind =
  | 'password_reset'
  | 'email_verification'
  | 'email_change'
  | 'email_change_notice'
  | 'email_taken_notice';

export const MAIL_STATUSES = ['pending', 'sent', 'failed'] as const;
/** `pending` (waiting for its next attempt), `sent` (accepted by the SMTP server), `failed` (gave up). */
export type MailStatus = (typeof MAIL_STATUSES)[number];

export interface NewMail {
  readonly id: string;
  /** Whose account the message is about: deleting the account deletes its mail. */
  readonly userId: string;
  readonly kind: MailKind;
  readonly recipient: string;
  /** What the template needs (name, link, addresses); dropped once the message is sent. */
  readonly params: Readonly<Record<string, string>>;
  readonly createdAt: number;
}

export interface MailRecord {
  readonly id: string;
  readonly userId: string;
  readonly kind: MailKind;
  readonly recipient: string;
  /** `null` once sent: a delivered link is not kept. */
  readonly params: Readonly<Record<string, string>> | null;
  readonly createdAt: number;
  /** Delivery attempts started (counted when claimed, so a crash mid-send counts too). */
  readonly attempts: number;
  readonly nextAttemptAt: number;
  /** Until when the instance that claimed it may send it; `null` when unclaimed. */
  readonly leaseUntil: number | null;
  readonly sentAt: number | null;
  readonly failedAt: number | null;
  /** The SMTP server's last refusal, for operators. */
  readonly lastError: string | null;
}

export interface MailClaim {
  readonly now: number;
  readonly leaseUntil: number;
  /** Who claims (one id per server instance): only the holder of the lease may settle a message. */
  readonly owner: string;
  readonly limit: number;
}

/** How an attempt that the SMTP server did not accept ends: another try later, or giving up. */
export type MailSetback =
  | { readonly error: string; readonly retryAt: number }
  | { readonly error: string; readonly failedAt: number };

export interface MailQuery {
  readonly status?: MailStatus;
  /** Newest first; at most this many (default 100). */
  readonly limit?: number;
}

export interface MailQueueStore {
  enqueueMail(mail: NewMail): Promise<void>;
  /**
   * Claims up to `limit` messages that are due (unsent, not given up, next attempt at or before
   * `now`) and not leased by anyone else, counting an attempt on each. One conditional statement
   * (PostgreSQL: `FOR UPDATE SKIP LOCKED`), so two instances never claim the same message.
   */
  claimDueMail(claim: MailClaim): Promise<MailRecord[]>;
  /** Marks a message sent (and drops its params) if `owner` still holds its lease. */
  markMailSent(id: string, owner: string, now: number): Promise<boolean>;
  /** Releases a message whose attempt failed, if `owner` still holds its lease. */
  markMailUnsent(id: string, owner: string, setback: MailSetback): Promise<boolean>;
  listMail(query?: MailQuery): Promise<MailRecord[]>;
  /**
   * Makes unsent messages due at `now` again (given-up ones get a fresh set of attempts): one
   * message by id, or every unsent one. Returns how many.
   */
  retryMail(now: number, id?: string): Promise<number>;
}
