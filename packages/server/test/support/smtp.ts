import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { SMTPServer } from 'smtp-server';

/** A message as the test SMTP server received it. */
export interface ReceivedMail {
  readonly from: string;
  /** Envelope recipients (RCPT TO): who the message really went to. */
  readonly rcptTo: readonly string[];
  readonly raw: string;
  readonly headers: ReadonlyMap<string, string>;
  /** The raw message with quoted-printable undone, for reading links. */
  readonly decoded: string;
}

/** How the server answers the DATA of a message. */
export type SmtpMode = 'accept' | 'refuse' | 'hang';

/** A real SMTP server (smtp-server) on a free port of 127.0.0.1, counting what it accepted. */
export interface TestSmtp {
  readonly url: string;
  readonly messages: readonly ReceivedMail[];
  /** Messages the server refused (a 451: try again later). */
  readonly refused: number;
  setMode(mode: SmtpMode): void;
  /** Resolves once `count` messages were accepted in all (no sleeping: it listens for them). */
  received(count: number): Promise<readonly ReceivedMail[]>;
  /** Answers the messages held in `hang` mode. */
  release(): void;
  close(): Promise<void>;
}

/** Undoes quoted-printable: soft line breaks and `=XX` escapes (nodemailer encodes text parts so). */
export function decodeQuotedPrintable(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function parseHeaders(raw: string): Map<string, string> {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

/** The first link under `path` in a received message (`/reset-password`, `/verify-email`). */
export function linkIn(mail: ReceivedMail, base: string, path: string): URL {
  const escaped = `${base}${path}`.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const found = new RegExp(`${escaped}\\?token=[A-Za-z0-9_-]+`).exec(mail.decoded);
  if (!found) throw new Error(`no ${path} link in:\n${mail.decoded}`);
  return new URL(found[0]);
}

export async function startSmtp(mode: SmtpMode = 'accept'): Promise<TestSmtp> {
  let current = mode;
  let refused = 0;
  const messages: ReceivedMail[] = [];
  const waiters: Array<{ count: number; resolve: (all: readonly ReceivedMail[]) => void }> = [];
  const held: Array<() => void> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      text(stream).then((raw) => {
        const answer = () => {
          if (current === 'refuse') {
            refused++;
            return callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }));
          }
          messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            raw,
            headers: parseHeaders(raw),
            decoded: decodeQuotedPrintable(raw),
          });
          for (const waiter of [...waiters]) {
            if (messages.length >= waiter.count) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve([...messages]);
            }
          }
          callback();
        };
        if (current === 'hang') held.push(answer);
        else answer();
      }, callback);
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    get refused() {
      return refused;
    },
    setMode(mode) {
      current = mode;
    },
    received(count) {
      if (messages.length >= count) return Promise.resolve([...messages]);
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    release() {
      current = 'accept';
      for (const answer of held.splice(0)) answer();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
