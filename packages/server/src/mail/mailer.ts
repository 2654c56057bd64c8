import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { ServerConfig } from '../config.js';
import type { MailKind, MailQueueStore } from '../store/mailQueue.js';

/** A message to queue: what it is, about whose account, to which address. */
export interface QueuedMail {
  readonly kind: MailKind;
  readonly userId: string;
  readonly recipient: string;
  /** The recipient's uniqueness key (see `normaliseEmail`): the per-recipient cap counts by it. */
  readonly recipientKey: string;
  readonly params: Readonly<Record<string, string>>;
}

/** Queues account mail; the delivery loop sends it. */
export interface Mailer {
  /**
   * Queues a message (one durable write) and wakes the delivery. Returns false when the
   * recipient's cap dropped it: no address gets more than `mailRecipient` messages an hour,
   * whichever flows and accounts ask for them.
   */
  queue(mail: QueuedMail): Promise<boolean>;
}

export interface MailerDeps {
  readonly store: MailQueueStore;
  readonly clock: Clock;
  /** Counts one message to `recipientKey`; false beyond the cap. */
  readonly allowRecipient: (recipientKey: string) => Promise<boolean>;
  /** Told when a message was queued (the delivery loop delivers soon). */
  readonly queued: () => void;
  readonly onDropped?: (mail: QueuedMail) => void;
}

export function createMailer(deps: MailerDeps): Mailer {
  return {
    async queue(mail) {
      if (!(await deps.allowRecipient(mail.recipientKey))) {
        deps.onDropped?.(mail);
        return false;
      }
      await deps.store.enqueueMail({
        id: randomUUID(),
        userId: mail.userId,
        kind: mail.kind,
        recipient: mail.recipient,
        params: mail.params,
        createdAt: deps.clock.now(),
      });
      deps.queued();
      return true;
    },
  };
}

/**
 * The links account mail carries, built from `publicUrl` only: never from the request's `Host`
 * or `X-Forwarded-Host`, which a client writes (an attacker asking for a reset of your account
 * would otherwise have your reset link point at their site).
 */
export const links = {
  resetPassword: (config: Pick<ServerConfig, 'publicUrl'>, token: string) =>
    `${config.publicUrl}/reset-password?token=${token}`,
  verifyEmail: (config: Pick<ServerConfig, 'publicUrl'>, token: string) =>
    `${config.publicUrl}/verify-email?token=${token}`,
};
