import type { TestServer } from './server.js';
import { linkIn, type ReceivedMail, type TestSmtp } from './smtp.js';

/** The public URL the account-mail tests configure: links must point there. */
export const APP = 'https://app.example.test';

/** A test's view of the mail its server sent through the test SMTP server. */
export interface Mailbox {
  /** Messages to `email` whose subject starts with `subject`, oldest first. */
  to(email: string, subject?: string): ReceivedMail[];
  /** Delivers what the server queued, then returns the token of the newest link to `email` under `path`. */
  tokenFor(email: string, path: '/reset-password' | '/verify-email', subject?: string): Promise<string>;
}

export function mailbox(server: TestServer, smtp: TestSmtp): Mailbox {
  const to = (email: string, subject = '') =>
    smtp.messages.filter(
      (mail) => mail.rcptTo.includes(email) && (mail.headers.get('subject') ?? '').startsWith(subject),
    );
  return {
    to,
    async tokenFor(email, path, subject) {
      await server.app.baton.mail.flush();
      const mail = to(email, subject).at(-1);
      if (!mail) throw new Error(`no mail to ${email}`);
      return linkIn(mail, APP, path).searchParams.get('token') ?? '';
    },
  };
}
