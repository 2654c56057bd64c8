import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createManualClock } from '../src/clock.js';
import { MAX_ATTEMPTS, retryDelayMs } from '../src/mail/delivery.js';
import { GOOD_PASSWORD, registerUser, startServer, uniqueEmail } from './support/server.js';
import { linkIn, startSmtp } from './support/smtp.js';

const APP = 'https://app.example.test';

describe('mail delivery', () => {
  it('an SMTP server that refuses loses nothing: each message is retried after its back-off and accepted once', async () => {
    const smtp = await startSmtp('refuse');
    const server = await startServer({ smtpUrl: smtp.url, publicUrl: APP });
    try {
      const users = [await registerUser(server), await registerUser(server), await registerUser(server)];
      const first = await server.app.baton.mail.flush();
      assert.equal(first.sent, 0);
      assert.ok(smtp.refused >= 3, 'every message was offered and refused');
      const pending = await server.app.baton.store.listMail({ status: 'pending' });
      assert.equal(pending.length, 3);
      assert.ok(pending.every((mail) => mail.lastError?.includes('451')));
      smtp.setMode('accept');
      assert.equal((await server.app.baton.mail.deliverDue()).sent, 0, 'nothing before the back-off ends');
      server.clock.advance(retryDelayMs(1));
      await server.app.baton.mail.deliverDue();
      const received = await smtp.received(3);
      assert.deepEqual(received.map((mail) => mail.rcptTo[0]).sort(), users.map((user) => user.email).sort());
      assert.equal(new Set(received.map((mail) => mail.headers.get('message-id'))).size, 3);
      server.clock.advance(60 * 60_000);
      await server.app.baton.mail.deliverDue();
      assert.equal(smtp.messages.length, 3, 'each message was delivered once');
      const sent = await server.app.baton.store.listMail({ status: 'sent' });
      assert.equal(sent.length, 3);
      assert.ok(
        sent.every((mail) => mail.params === null),
        'a delivered link is not kept',
      );
    } finally {
      await server.close();
      await smtp.close();
    }
  });

  it('the back-off is kept in the database: after a restart the message waits out its retry, then goes once', async () => {
    const smtp = await startSmtp('refuse');
    const clock = createManualClock();
    const first = await startServer({ smtpUrl: smtp.url, publicUrl: APP, clock });
    const { email } = await registerUser(first);
    await first.app.baton.mail.flush();
    const refusals = smtp.refused;
    await first.stop();
    smtp.setMode('accept');
    const second = await startServer({ smtpUrl: smtp.url, publicUrl: APP, clock, dataDir: first.dataDir });
    try {
      await second.app.baton.mail.deliverDue();
      assert.equal(smtp.messages.length, 0, 'the restarted server keeps to the back-off');
      clock.advance(retryDelayMs(1));
      await second.app.baton.mail.deliverDue();
      const [mail] = await smtp.received(1);
      assert.deepEqual(mail?.rcptTo, [email]);
      assert.equal(smtp.refused, refusals);
      const [row] = await second.app.baton.store.listMail({ status: 'sent' });
      assert.equal(row?.attempts, 2, 'the attempt before the restart counted');
    } finally {
      await second.close();
      await smtp.close();
    }
  });

  it(`gives a message up after ${MAX_ATTEMPTS} refusals, waiting longer each time (at most an hour)`, async () => {
    const smtp = await startSmtp('refuse');
    const server = await startServer({ smtpUrl: smtp.url, publicUrl: APP });
    try {
      await registerUser(server);
      await server.app.baton.mail.flush();
      for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
        const [mail] = await server.app.baton.store.listMail({ status: 'pending' });
        assert.equal(mail?.attempts, attempt);
        assert.equal(
          mail?.nextAttemptAt,
          server.clock.now() + Math.min(30_000 * 2 ** (attempt - 1), 3_600_000),
        );
        server.clock.advance(retryDelayMs(attempt));
        await server.app.baton.mail.deliverDue();
      }
      const [failed] = await server.app.baton.store.listMail({ status: 'failed' });
      assert.equal(failed?.attempts, MAX_ATTEMPTS);
      assert.equal(smtp.refused, MAX_ATTEMPTS);
    } finally {
      await server.close();
      await smtp.close();
    }
  });

  it('sending never blocks a request: with the SMTP server holding every message, requests still answer', async () => {
    const smtp = await startSmtp('hang');
    const server = await startServer({ smtpUrl: smtp.url, publicUrl: APP });
    try {
      const { email } = await registerUser(server);
      const again = await registerUser(server);
      const forgot = await server.request('POST', '/auth/password/forgot', { body: { email } });
      assert.equal(forgot.status, 202);
      const login = await server.request('POST', '/auth/login', {
        body: { email: again.email, password: GOOD_PASSWORD },
      });
      assert.equal(login.status, 200);
      assert.equal(smtp.messages.length, 0, 'nothing was delivered yet');
      smtp.release();
      await server.app.baton.mail.flush();
      await smtp.received(3);
    } finally {
      smtp.release();
      await server.close();
      await smtp.close();
    }
  });

  it('a name with CR/LF, however it was stored, adds no header and no recipient', async () => {
    const smtp = await startSmtp();
    const server = await startServer({ smtpUrl: smtp.url, publicUrl: APP });
    try {
      const refused = await server.request('POST', '/auth/register', {
        body: { email: uniqueEmail(), password: GOOD_PASSWORD, name: 'Eve\r\nBcc: victim@example.com' },
      });
      assert.equal(refused.status, 400, 'the API refuses it');
      const { email, user } = await registerUser(server);
      await server.app.baton.mail.flush();
      // A row written before names were checked, or by hand: the mail must still be safe.
      await server.app.baton.store.updateUserName(
        user.id,
        'Eve\r\nBcc: victim@example.com\r\nSubject: pwned',
      );
      await server.request('POST', '/auth/password/forgot', { body: { email } });
      await server.app.baton.mail.flush();
      const [, reset] = await smtp.received(2);
      assert.deepEqual(reset?.rcptTo, [email]);
      assert.equal(reset?.headers.get('bcc'), undefined);
      assert.match(reset?.headers.get('subject') ?? '', /^Reset your Baton password$/);
      assert.doesNotMatch(reset?.raw ?? '', /^(Bcc|Subject: pwned)/m);
    } finally {
      await server.close();
      await smtp.close();
    }
  });
});

describe('mail without SMTP (the zero-setup default)', () => {
  it('writes each message as an .eml file only its owner can read, in <data dir>/outbox, and logs its link', async () => {
    const lines: string[] = [];
    const server = await startServer({
      logLevel: 'info',
      logStream: { write: (line) => void lines.push(line) },
    });
    try {
      const { email } = await registerUser(server);
      await server.app.baton.mail.flush();
      const outbox = path.join(server.dataDir, 'outbox');
      const [file = '', ...others] = await readdir(outbox);
      assert.ok(file.endsWith('.eml'));
      assert.equal(others.length, 0);
      assert.equal((await stat(path.join(outbox, file))).mode & 0o777, 0o600);
      assert.equal((await stat(outbox)).mode & 0o777, 0o700);
      const eml = await readFile(path.join(outbox, file), 'utf8');
      assert.match(eml, new RegExp(`^To: ${email.replace(/[.+]/g, '\\$&')}$`, 'm'));
      assert.match(eml, /^Subject: Confirm your email for Baton$/m);
      const logged = lines
        .map((line) => JSON.parse(line) as { msg: string; link?: string })
        .find((line) => line.link);
      assert.equal(logged?.msg, 'mail written to the outbox');
      assert.match(logged?.link ?? '', /^http:\/\/127\.0\.0\.1:3000\/verify-email\?token=bev_/);
      const received = {
        decoded: eml.replace(/=\r?\n/g, '').replace(/=3D/g, '='),
        rcptTo: [],
        raw: eml,
        headers: new Map(),
        from: '',
      };
      assert.equal(linkIn(received, 'http://127.0.0.1:3000', '/verify-email').href, logged?.link);
    } finally {
      await server.close();
    }
  });

  it('with an SMTP server configured, no link or token ever reaches the log', async () => {
    const smtp = await startSmtp();
    const lines: string[] = [];
    const server = await startServer({
      smtpUrl: smtp.url,
      publicUrl: APP,
      logLevel: 'trace',
      logStream: { write: (line) => void lines.push(line) },
    });
    try {
      const { email } = await registerUser(server);
      await server.request('POST', '/auth/password/forgot', { body: { email } });
      await server.app.baton.mail.flush();
      const [, resetMail] = await smtp.received(2);
      const token =
        linkIn(resetMail ?? smtp.messages[0]!, APP, '/reset-password').searchParams.get('token') ?? '';
      await server.request('POST', '/auth/password/reset', {
        body: { token, newPassword: 'a brand new passphrase' },
      });
      await server.request('GET', `/reset-password?token=${token}`, { headers: { accept: 'text/html' } });
    } finally {
      await server.close();
      await smtp.close();
    }
    const log = lines.join('');
    assert.ok(log.includes('mail sent'), 'deliveries were logged');
    for (const secret of ['brp_', 'bev_', APP, 'a brand new passphrase'])
      assert.equal(log.includes(secret), false, `the log contains ${secret}`);
  });
});
