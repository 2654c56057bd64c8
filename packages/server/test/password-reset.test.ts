import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSqliteStore, type Store } from '../src/store/index.js';
import { hashOneTimeToken } from '../src/tokens/oneTimeTokens.js';
import { GOOD_PASSWORD, registerUser, startServer, type TestServer, uniqueEmail } from './support/server.js';
import { linkIn, type ReceivedMail, startSmtp, type TestSmtp } from './support/smtp.js';
import { from, onlyLimits } from './support/throttle.js';

const APP = 'https://app.example.test';
const NEW_PASSWORD = 'a brand new passphrase';

/** Mail to `email` whose subject starts with `subject`, among what the SMTP server received. */
const mailTo = (messages: readonly ReceivedMail[], email: string, subject: string) =>
  messages.filter(
    (mail) => mail.rcptTo.includes(email) && (mail.headers.get('subject') ?? '').startsWith(subject),
  );

describe('password reset by mail', () => {
  let smtp: TestSmtp;
  let server: TestServer;
  before(async () => {
    smtp = await startSmtp();
    server = await startServer({ smtpUrl: smtp.url, publicUrl: APP, trustProxy: 1 });
  });
  after(async () => {
    await server.close();
    await smtp.close();
  });

  /** Asks for a reset of `email` and returns the token of the link that arrives. */
  const resetToken = async (email: string, ip = '10.20.0.1') => {
    const before = mailTo(smtp.messages, email, 'Reset').length;
    const answer = await server.request('POST', '/auth/password/forgot', {
      body: { email },
      headers: from(ip),
    });
    assert.equal(answer.status, 202);
    await server.app.baton.mail.flush();
    const resets = mailTo(smtp.messages, email, 'Reset');
    assert.equal(resets.length, before + 1, 'one reset mail arrived');
    const link = linkIn(resets.at(-1) as ReceivedMail, APP, '/reset-password');
    return link.searchParams.get('token') ?? '';
  };
  const reset = (token: string, newPassword = NEW_PASSWORD, ip = '10.20.0.1') =>
    server.request('POST', '/auth/password/reset', { body: { token, newPassword }, headers: from(ip) });

  it('the mailed link sets a new password once, signs out every device and verifies the address', async () => {
    const owner = await registerUser(server);
    const laptop = await server.request('POST', '/auth/login', {
      body: { email: owner.email, password: GOOD_PASSWORD },
    });
    const token = await resetToken(owner.email);
    assert.match(token, /^brp_[A-Za-z0-9_-]{43}$/, '256 random bits behind a recognisable prefix');
    const mail = mailTo(smtp.messages, owner.email, 'Reset').at(-1);
    assert.match(mail?.headers.get('content-type') ?? '', /multipart\/alternative/, 'text and HTML bodies');
    assert.equal(await server.app.baton.store.findOneTimeToken(token), undefined, 'the token is not stored');
    assert.ok(await server.app.baton.store.findOneTimeToken(hashOneTimeToken(token)), 'only its digest');

    assert.equal((await reset(token)).status, 204);
    for (const refreshToken of [owner.refreshToken, laptop.body.refreshToken]) {
      const refreshed = await server.request('POST', '/auth/refresh', { body: { refreshToken } });
      assert.equal(refreshed.status, 401);
      assert.equal(refreshed.body.code, 'session_revoked');
    }
    assert.equal((await server.request('GET', '/auth/me', { token: owner.accessToken })).status, 401);
    const old = await server.request('POST', '/auth/login', {
      body: { email: owner.email, password: GOOD_PASSWORD },
    });
    assert.equal(old.status, 401);
    const signedIn = await server.request('POST', '/auth/login', {
      body: { email: owner.email, password: NEW_PASSWORD },
    });
    assert.equal(signedIn.status, 200);
    assert.equal(signedIn.body.user.emailVerified, true, 'the link was read in the mailbox');
    const again = await reset(token, 'yet another passphrase');
    assert.equal(again.status, 400);
    assert.equal(again.body.code, 'invalid_reset_token');
    assert.equal(again.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    const [event] = await server.app.baton.store.listAudit({ userId: owner.user.id, kind: 'password_reset' });
    assert.equal(event?.detail?.revoked, 2);
  });

  it('a weak password keeps the link usable, a reset voids the other links, and an expired link says so', async () => {
    const { email } = await registerUser(server);
    const first = await resetToken(email, '10.20.1.1');
    const second = await resetToken(email, '10.20.1.1');
    const weak = await reset(first, 'password');
    assert.equal(weak.status, 400);
    assert.equal(weak.body.code, 'weak_password');
    assert.equal((await reset(first)).status, 204, 'the weak password did not spend the link');
    const voided = await reset(second, 'another good passphrase');
    assert.equal(voided.body.code, 'invalid_reset_token');
    const third = await resetToken(email, '10.20.1.1');
    server.clock.advance(30 * 60_000);
    const expired = await reset(third, 'another good passphrase');
    assert.equal(expired.status, 400);
    assert.equal(expired.body.code, 'reset_token_expired');
    for (const bogus of ['brp_short', `bev_${'A'.repeat(43)}`, `brp_${'A'.repeat(43)}`]) {
      const refused = await reset(bogus);
      assert.equal(refused.status, 400, bogus);
      assert.equal(refused.body.code, 'invalid_reset_token', bogus);
    }
  });

  it('a password change voids the reset links already mailed', async () => {
    const { email, accessToken } = await registerUser(server);
    const link = await resetToken(email, '10.20.2.1');
    const changed = await server.request('POST', '/auth/password', {
      token: accessToken,
      body: { currentPassword: GOOD_PASSWORD, newPassword: 'the owner chose this one' },
    });
    assert.equal(changed.status, 204);
    const stale = await reset(link, 'someone else chose this one', '10.20.2.1');
    assert.equal(stale.body.code, 'invalid_reset_token');
  });

  it('known and unknown addresses get the same answer', async () => {
    const { email } = await registerUser(server);
    const known = await server.request('POST', '/auth/password/forgot', {
      body: { email },
      headers: from('10.20.2.1'),
    });
    const unknown = await server.request('POST', '/auth/password/forgot', {
      body: { email: uniqueEmail('ghost') },
      headers: from('10.20.2.1'),
    });
    assert.equal(known.status, 202);
    assert.deepEqual(unknown.body, known.body);
    assert.equal(unknown.headers.get('content-length'), known.headers.get('content-length'));
  });

  it('the answer for a known address does not wait for its link to be written (so its time tells nothing)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-gated-'));
    const real = createSqliteStore({ filename: path.join(dir, 'baton.sqlite') });
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    // The store holds every reset token until the test opens the gate.
    const gated: Store = {
      ...real,
      async createOneTimeToken(token) {
        if (token.purpose === 'password_reset') await gate;
        return real.createOneTimeToken(token);
      },
    };
    const gatedServer = await startServer({ store: gated, smtpUrl: smtp.url, publicUrl: APP });
    try {
      const { email } = await registerUser(gatedServer);
      const answer = await gatedServer.request('POST', '/auth/password/forgot', { body: { email } });
      assert.equal(answer.status, 202, 'answered while the link could not be written yet');
      const queued = await gatedServer.app.baton.store.listMail({ limit: 10 });
      assert.ok(!queued.some((mail) => mail.kind === 'password_reset'));
      open();
      await gatedServer.app.baton.mail.flush();
      assert.equal(mailTo(smtp.messages, email, 'Reset').length, 1, 'and the link went after the answer');
    } finally {
      open();
      await gatedServer.close();
      await real.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('links come from BATON_PUBLIC_URL, never from the Host or X-Forwarded-Host of the request', async () => {
    const { email } = await registerUser(server);
    const { port } = new URL(server.url);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/auth/password/forgot',
          headers: {
            host: 'evil.example',
            'x-forwarded-host': 'evil.example',
            'x-forwarded-proto': 'http',
            'x-forwarded-for': '10.20.3.1',
            'content-type': 'application/json',
          },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode);
        },
      );
      request.on('error', reject);
      request.end(JSON.stringify({ email }));
    });
    assert.equal(status, 202);
    await server.app.baton.mail.flush();
    const [mail] = mailTo(smtp.messages, email, 'Reset');
    assert.ok(mail);
    assert.doesNotMatch(mail.decoded, /evil\.example/);
    assert.equal(linkIn(mail, APP, '/reset-password').origin, APP);
  });

  it('200 resets at once with one token: exactly one sets a password', async () => {
    const { email } = await registerUser(server);
    const token = await resetToken(email, '10.20.4.1');
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, n) => reset(token, `new passphrase number ${n}`, '10.20.4.2')),
    );
    const winners = answers.flatMap((answer, n) => (answer.status === 204 ? [n] : []));
    assert.equal(winners.length, 1);
    assert.ok(answers.every((answer) => [204, 400, 429].includes(answer.status)));
    const login = (password: string) => server.request('POST', '/auth/login', { body: { email, password } });
    assert.equal((await login(`new passphrase number ${winners[0]}`)).status, 200);
    assert.equal((await login(`new passphrase number ${((winners[0] ?? 0) + 1) % 200}`)).status, 401);
  });
});

describe('nobody can flood an inbox with reset mail', () => {
  it('200 requests at once for one address: 3 answered 202 and 3 mails; for 200 addresses from one IP: 20', async () => {
    const smtp = await startSmtp();
    const server = await startServer({ smtpUrl: smtp.url, publicUrl: APP, trustProxy: 1 });
    try {
      const { email } = await registerUser(server);
      const forgot = (address: string, ip: string) =>
        server.request('POST', '/auth/password/forgot', { body: { email: address }, headers: from(ip) });
      const oneAddress = await Promise.all(
        Array.from({ length: 200 }, (_, n) => forgot(email, `10.21.${n}.1`)),
      );
      assert.equal(oneAddress.filter((answer) => answer.status === 202).length, 3);
      assert.equal(oneAddress.filter((answer) => answer.status === 429).length, 197);
      assert.ok(oneAddress.find((answer) => answer.status === 429)?.headers.get('retry-after'));
      await server.app.baton.mail.flush();
      assert.equal(mailTo(smtp.messages, email, 'Reset').length, 3);
      const oneIp = await Promise.all(
        Array.from({ length: 200 }, () => forgot(uniqueEmail('walk'), '10.22.0.1')),
      );
      assert.equal(oneIp.filter((answer) => answer.status === 202).length, 20);
    } finally {
      await server.close();
      await smtp.close();
    }
  });

  it('no address gets more account mail an hour than its cap, whichever flows ask for it', async () => {
    const smtp = await startSmtp();
    const server = await startServer({
      smtpUrl: smtp.url,
      publicUrl: APP,
      rateLimits: onlyLimits({ mailRecipient: { max: 4, windowSeconds: 3600 } }),
    });
    try {
      const { email, accessToken } = await registerUser(server);
      const asks = [
        ...Array.from({ length: 5 }, () =>
          server.request('POST', '/auth/password/forgot', { body: { email } }),
        ),
        ...Array.from({ length: 5 }, () =>
          server.request('POST', '/auth/email/resend', { token: accessToken }),
        ),
      ];
      const answers = await Promise.all(asks);
      assert.ok(
        answers.every((answer) => answer.status === 202),
        'the cap drops mail silently',
      );
      await server.app.baton.mail.flush();
      assert.equal(smtp.messages.filter((mail) => mail.rcptTo.includes(email)).length, 4);
    } finally {
      await server.close();
      await smtp.close();
    }
  });
});
