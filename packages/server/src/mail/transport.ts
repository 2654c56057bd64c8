import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Transporter } from 'nodemailer';
import type { ServerConfig } from '../config.js';
import type { RenderedMail } from './messages.js';

/** One message as a transport sends it. */
export interface OutgoingMail extends RenderedMail {
  /** Stable across retries (`<queue id@host>`), so a receiving server can spot a duplicate. */
  readonly messageId: string;
  readonly to: string;
  /** The link the message carries, for the outbox's log line; SMTP ignores it. */
  readonly link: string | undefined;
}

/**
 * Where messages go. `send` resolves only once the message is accepted (by the SMTP server, or
 * written to disk) and rejects with the reason otherwise.
 */
export interface MailTransport {
  /** How the operator should think of it, for log lines: `smtp` or `outbox`. */
  readonly name: 'smtp' | 'outbox';
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/**
 * nodemailer, loaded with the first message rather than at start: most starts send no mail, and
 * loading it is a noticeable share of the time to the first answer.
 */
let nodemailerModule: Promise<typeof import('nodemailer')> | undefined;
function lazyTransport(options: Parameters<typeof import('nodemailer').createTransport>[0]) {
  let transport: Promise<Transporter> | undefined;
  return {
    get: () => {
      nodemailerModule ??= import('nodemailer');
      transport ??= nodemailerModule.then((module) => module.default.createTransport(options));
      return transport;
    },
    close: () => void transport?.then((opened) => opened.close()),
  };
}

/** Folder of the zero-setup transport, under the data directory. */
export const OUTBOX_DIR = 'outbox';

/**
 * The sender: `Name <address>` as configured, or a bare address shown under the product name.
 * nodemailer encodes the name (RFC 2047), so no character of it can start a header.
 */
function sender(config: Pick<ServerConfig, 'mailFrom' | 'productName'>) {
  return config.mailFrom.includes('<')
    ? config.mailFrom
    : { name: config.productName, address: config.mailFrom };
}

/** The message as nodemailer takes it: the recipient is the bare address, no name in any header. */
const envelope = (mail: OutgoingMail, from: ReturnType<typeof sender>) => ({
  from,
  to: mail.to,
  subject: mail.subject,
  text: mail.text,
  html: mail.html,
  messageId: mail.messageId,
});

/** The transport a deployment's settings select: SMTP with `smtpUrl`, else `.eml` files in the outbox. */
export function openMailTransport(
  config: Pick<ServerConfig, 'smtpUrl' | 'mailFrom' | 'productName' | 'dataDir'>,
  log: FastifyBaseLogger,
): MailTransport {
  const from = sender(config);
  if (config.smtpUrl === undefined) return outboxTransport(path.join(config.dataDir, OUTBOX_DIR), from, log);
  // Bounded waits: a message is leased to this instance for a few minutes, and an SMTP server that
  // stops answering must fail the attempt well within the lease (then it is retried).
  const smtp = lazyTransport({
    url: config.smtpUrl,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  });
  return {
    name: 'smtp',
    async send(mail) {
      await (await smtp.get()).sendMail(envelope(mail, from));
    },
    close: smtp.close,
  };
}

/**
 * The zero-setup transport: each message becomes an `.eml` file (readable by the owner only) in
 * `dir`, and its link is logged at info, so `npm start` alone walks through every flow. Links are
 * one-time secrets: this is for development; production sets `BATON_SMTP_URL`, and then no link
 * is ever logged.
 */
function outboxTransport(
  dir: string,
  from: ReturnType<typeof sender>,
  log: FastifyBaseLogger,
): MailTransport {
  const composer = lazyTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    name: 'outbox',
    async send(mail) {
      const info = await (await composer.get()).sendMail(envelope(mail, from));
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const id = mail.messageId.replace(/^<|@.*$/g, '');
      const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${id}.eml`);
      await writeFile(file, info.message as Buffer, { mode: 0o600, flag: 'wx' });
      log.info({ to: mail.to, subject: mail.subject, link: mail.link, file }, 'mail written to the outbox');
    },
    close: composer.close,
  };
}
