import {
  linkIn,
  type ReceivedMail,
  startSmtp,
  type TestSmtp,
} from '../../packages/server/test/support/smtp.js';

/** The mail a test's Baton server sent, as received by a real SMTP server on 127.0.0.1. */
export interface Inbox {
  /** The URL to give the Baton server as `smtpUrl`. */
  readonly smtpUrl: string;
  /** How many messages arrived so far: pass it to {@link Inbox.link} to wait for a newer one. */
  count(): number;
  /**
   * The `path` link (`/reset-password`, `/verify-email`) of the first message to `email`, among
   * those that arrive after the first `since`, waiting for it to arrive (no polling: the SMTP
   * server resolves the wait when a message comes in).
   */
  link(email: string, path: '/reset-password' | '/verify-email', since: number): Promise<URL>;
  close(): Promise<void>;
}

/** Starts the SMTP server; links in its mail are checked to point at `publicUrl`. */
export async function startInbox(publicUrl: () => string): Promise<Inbox> {
  const smtp: TestSmtp = await startSmtp();
  return {
    smtpUrl: smtp.url,
    count: () => smtp.messages.length,
    async link(email, path, since) {
      const to = (mail: ReceivedMail) => mail.rcptTo.includes(email) && mail.decoded.includes(path);
      for (let seen = since; ; seen++) {
        const all = await smtp.received(seen + 1);
        const mail = all[seen];
        if (mail !== undefined && to(mail)) return linkIn(mail, publicUrl(), path);
      }
    },
    close: () => smtp.close(),
  };
}
