import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { APP, type Mailbox, mailbox } from './support/mailbox.js';
import { GOOD_PASSWORD, registerUser, startServer, type TestServer, uniqueEmail } from './support/server.js';
import { startSmtp, type TestSmtp } from './support/smtp.js';
import { from } from './support/throttle.js';

const VERIFY = 'Confirm your email';

describe('email verification', () => {
  let smtp: TestSmtp;
  let server: TestServer;
  let mail: Mailbox;
  before(async () => {
    smtp = await startSmtp();
    server = await startServer({ smtpUrl: smtp.url, publicUrl: APP, trustProxy: 1 });
    mail = mailbox(server, smtp);
  });
  after(async () => {
    await server.close();
    await smtp.close();
  });

  const verify = (token: string, ip = '10.30.0.1') =>
    server.request('POST', '/auth/email/verify', { body: { token }, headers: from(ip) });

  it('registration mails a link; following it verifies the address, once', async () => {
    const { email, accessToken, user } = await registerUser(server);
    assert.equal((user as { emailVerified?: boolean }).emailVerified, false);
    const token = await mail.tokenFor(email, '/verify-email', VERIFY);
    assert.match(token, /^bev_[A-Za-z0-9_-]{43}$/);
    assert.equal((await verify(token)).status, 204);
    const me = await server.request('GET', '/auth/me', { token: accessToken });
    assert.equal(me.body.emailVerified, true);
    const again = await verify(token);
    assert.equal(again.status, 400);
    assert.equal(again.body.code, 'invalid_verification_token');
    const [event] = await server.app.baton.store.listAudit({ userId: user.id, kind: 'email_verified' });
    assert.ok(event);
  });

  it('an expired or malformed link answers 400 with a code that says which', async () => {
    const { email } = await registerUser(server);
    const token = await mail.tokenFor(email, '/verify-email', VERIFY);
    server.clock.advance(24 * 3600_000);
    const expired = await verify(token);
    assert.equal(expired.body.code, 'verification_token_expired');
    for (const bogus of ['bev_', `brp_${'A'.repeat(43)}`, `bev_${'A'.repeat(43)}`, 'x'.repeat(128)]) {
      const refused = await verify(bogus);
      assert.equal(refused.status, 400);
      assert.equal(refused.body.code, 'invalid_verification_token', bogus);
    }
  });

  it('resend, signed in: a new link, three an hour, and none once the address is verified', async () => {
    const { email, accessToken } = await registerUser(server);
    let token = accessToken;
    const resend = () => server.request('POST', '/auth/email/resend', { token });
    const answers = await Promise.all(Array.from({ length: 30 }, resend));
    assert.equal(answers.filter((answer) => answer.status === 202).length, 3);
    assert.equal(answers.filter((answer) => answer.status === 429).length, 27);
    const link = await mail.tokenFor(email, '/verify-email', VERIFY);
    assert.equal(mail.to(email, VERIFY).length, 4, 'the registration link and three more');
    assert.equal((await verify(link)).status, 204, 'the newest link works');
    server.clock.advance(3600_000);
    token = (await server.request('POST', '/auth/login', { body: { email, password: GOOD_PASSWORD } })).body
      .accessToken;
    assert.equal((await resend()).status, 202);
    await server.app.baton.mail.flush();
    assert.equal(mail.to(email, VERIFY).length, 4, 'nothing is sent for a verified address');
    const unsigned = await server.request('POST', '/auth/email/resend', { token: 'not.a.token' });
    assert.equal(unsigned.status, 401);
  });

  it('resend by address answers alike for unknown, verified and unverified addresses, and mails only the last', async () => {
    const unverified = await registerUser(server);
    const verified = await registerUser(server);
    await verify(await mail.tokenFor(verified.email, '/verify-email', VERIFY));
    const ask = (email: string) =>
      server.request('POST', '/auth/email/resend', { body: { email }, headers: from('10.30.1.1') });
    const answers = [await ask(unverified.email), await ask(verified.email), await ask(uniqueEmail('ghost'))];
    assert.ok(answers.every((answer) => answer.status === 202));
    assert.deepEqual(answers[1]?.body, answers[0]?.body);
    assert.deepEqual(answers[2]?.body, answers[0]?.body);
    await server.app.baton.mail.flush();
    assert.equal(mail.to(unverified.email, VERIFY).length, 2);
    assert.equal(mail.to(verified.email, VERIFY).length, 1);
    const empty = await server.request('POST', '/auth/email/resend', {});
    assert.equal(empty.status, 400);
    assert.equal(empty.body.code, 'invalid_request');
  });
});

describe('BATON_REQUIRE_VERIFIED_EMAIL=on', () => {
  let smtp: TestSmtp;
  let server: TestServer;
  let mail: Mailbox;
  before(async () => {
    smtp = await startSmtp();
    server = await startServer({ smtpUrl: smtp.url, publicUrl: APP, requireVerifiedEmail: true });
    mail = mailbox(server, smtp);
  });
  after(async () => {
    await server.close();
    await smtp.close();
  });

  it('registration answers 202 without tokens; sign-in answers 403 email_not_verified only after the right password', async () => {
    const email = uniqueEmail('unverified');
    const registered = await server.request('POST', '/auth/register', {
      body: { email, password: GOOD_PASSWORD },
    });
    assert.equal(registered.status, 202);
    assert.deepEqual(Object.keys(registered.body).sort(), ['emailVerificationRequired', 'user']);
    assert.equal(registered.body.user.emailVerified, false);
    const login = (password: string) => server.request('POST', '/auth/login', { body: { email, password } });
    const wrong = await login('not the password');
    assert.equal(wrong.status, 401, 'a wrong password says nothing about verification');
    assert.equal(wrong.body.code, 'invalid_credentials');
    const unverified = await login(GOOD_PASSWORD);
    assert.equal(unverified.status, 403);
    assert.equal(unverified.body.code, 'email_not_verified');
    assert.equal(unverified.body.accessToken, undefined);
    const oauth = await server.request('POST', '/oauth/token', {
      body: { grant_type: 'password', username: email, password: GOOD_PASSWORD },
    });
    assert.equal(oauth.status, 400, 'the OAuth face refuses it too, never with a 5xx');

    const resent = await server.request('POST', '/auth/email/resend', { body: { email } });
    assert.equal(resent.status, 202);
    const token = await mail.tokenFor(email, '/verify-email', VERIFY);
    assert.equal(mail.to(email, VERIFY).length, 2);
    const verified = await server.request('POST', '/auth/email/verify', { body: { token } });
    assert.equal(verified.status, 204);
    const signedIn = await login(GOOD_PASSWORD);
    assert.equal(signedIn.status, 200);
    assert.equal(signedIn.body.user.emailVerified, true);
  });

  it('a password reset verifies the address too (its link was read in the mailbox)', async () => {
    const email = uniqueEmail('reset-verifies');
    await server.request('POST', '/auth/register', { body: { email, password: GOOD_PASSWORD } });
    await server.request('POST', '/auth/password/forgot', { body: { email } });
    const token = await mail.tokenFor(email, '/reset-password', 'Reset');
    const reset = await server.request('POST', '/auth/password/reset', {
      body: { token, newPassword: 'a brand new passphrase' },
    });
    assert.equal(reset.status, 204);
    const login = await server.request('POST', '/auth/login', {
      body: { email, password: 'a brand new passphrase' },
    });
    assert.equal(login.status, 200);
  });
});

describe('registration without the requirement', () => {
  it('still mails a verification link, and signs in at once', async () => {
    const smtp = await startSmtp();
    const server = await startServer({ smtpUrl: smtp.url, publicUrl: APP });
    try {
      const { email } = await registerUser(server);
      const [message] = await (async () => {
        await server.app.baton.mail.flush();
        return mailbox(server, smtp).to(email, VERIFY);
      })();
      assert.ok(message);
      assert.match(message.headers.get('from') ?? '', /^Baton <no-reply@localhost>$/);
    } finally {
      await server.close();
      await smtp.close();
    }
  });
});
