import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { APP, type Mailbox, mailbox } from './support/mailbox.js';
import { GOOD_PASSWORD, registerUser, startServer, type TestServer, uniqueEmail } from './support/server.js';
import { startSmtp, type TestSmtp } from './support/smtp.js';

describe('email change', () => {
  let smtp: TestSmtp;
  let server: TestServer;
  let mail: Mailbox;
  before(async () => {
    smtp = await startSmtp();
    server = await startServer({ smtpUrl: smtp.url, publicUrl: APP });
    mail = mailbox(server, smtp);
  });
  after(async () => {
    await server.close();
    await smtp.close();
  });

  const change = (token: string, newEmail: string, password = GOOD_PASSWORD) =>
    server.request('POST', '/auth/email/change', { token, body: { newEmail, password } });
  const me = async (token: string) => (await server.request('GET', '/auth/me', { token })).body;

  it('the address changes only when the link mailed to the new address is followed; the old one is told', async () => {
    const { email, accessToken } = await registerUser(server);
    const newEmail = uniqueEmail('moved');
    const asked = await change(accessToken, newEmail);
    assert.equal(asked.status, 202);
    assert.equal((await me(accessToken)).email, email, 'nothing changes before the confirmation');
    const token = await mail.tokenFor(newEmail, '/verify-email', 'Confirm your new email');
    assert.match(token, /^bec_/);
    const [notice] = mail.to(email, 'Your Baton email is about to change');
    assert.ok(notice, 'the old address is told');
    assert.ok(notice.decoded.includes(newEmail));
    assert.doesNotMatch(notice.decoded, /bec_/, 'the old address never sees the link');
    const confirmed = await server.request('POST', '/auth/email/verify', { body: { token } });
    assert.equal(confirmed.status, 204);
    const moved = await me(accessToken);
    assert.equal(moved.email, newEmail);
    assert.equal(moved.emailVerified, true);
    const oldLogin = await server.request('POST', '/auth/login', {
      body: { email, password: GOOD_PASSWORD },
    });
    assert.equal(oldLogin.status, 401);
    const newLogin = await server.request('POST', '/auth/login', {
      body: { email: newEmail, password: GOOD_PASSWORD },
    });
    assert.equal(newLogin.status, 200);
    const again = await server.request('POST', '/auth/email/verify', { body: { token } });
    assert.equal(again.body.code, 'invalid_verification_token');
  });

  it('a verification link sent to the old address verifies nothing once the account moved', async () => {
    const { email, accessToken } = await registerUser(server);
    const oldLink = await mail.tokenFor(email, '/verify-email', 'Confirm your email');
    const newEmail = uniqueEmail('moved-again');
    await change(accessToken, newEmail);
    const token = await mail.tokenFor(newEmail, '/verify-email', 'Confirm your new email');
    await server.request('POST', '/auth/email/verify', { body: { token } });
    const stale = await server.request('POST', '/auth/email/verify', { body: { token: oldLink } });
    assert.equal(stale.status, 400);
  });

  it('a password-reset link mailed to the old address sets nothing once the account moved', async () => {
    const { email, accessToken } = await registerUser(server);
    const forgot = await server.request('POST', '/auth/password/forgot', { body: { email } });
    assert.equal(forgot.status, 202);
    const oldLink = await mail.tokenFor(email, '/reset-password', 'Reset');
    const newEmail = uniqueEmail('left-the-old-box');
    await change(accessToken, newEmail);
    const token = await mail.tokenFor(newEmail, '/verify-email', 'Confirm your new email');
    assert.equal((await server.request('POST', '/auth/email/verify', { body: { token } })).status, 204);
    const stale = await server.request('POST', '/auth/password/reset', {
      body: { token: oldLink, newPassword: 'whoever reads the old mailbox' },
    });
    assert.equal(stale.status, 400);
    assert.equal(stale.body.code, 'invalid_reset_token');
    const login = await server.request('POST', '/auth/login', {
      body: { email: newEmail, password: GOOD_PASSWORD },
    });
    assert.equal(login.status, 200, "the password is still the owner's");
  });

  it('a taken address answers exactly like a free one; its owner gets a notice and nobody a link', async () => {
    const taken = await registerUser(server);
    const { email, accessToken } = await registerUser(server);
    const free = await change(accessToken, uniqueEmail('free'));
    const occupied = await change(accessToken, taken.email.toUpperCase());
    assert.equal(occupied.status, free.status);
    assert.deepEqual(occupied.body, free.body);
    await server.app.baton.mail.flush();
    const [notice, ...more] = mail.to(taken.email, 'Someone tried to use your email');
    assert.ok(notice);
    assert.equal(more.length, 0);
    assert.doesNotMatch(notice.decoded, /bec_|bev_|brp_/);
    assert.equal(mail.to(email, 'Your Baton email is about to change').length, 2, 'the owner hears of both');
  });

  it('a wrong password answers 403 invalid_current_password, and the same address 400', async () => {
    const { email, accessToken } = await registerUser(server);
    const wrong = await change(accessToken, uniqueEmail(), 'not my password');
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.code, 'invalid_current_password');
    const same = await change(accessToken, email.toUpperCase());
    assert.equal(same.status, 400);
    assert.equal(same.body.code, 'invalid_request');
    const malformed = await change(accessToken, 'not an address');
    assert.equal(malformed.status, 400);
    assert.equal((await change('', uniqueEmail())).status, 401);
  });

  it('an address registered between the request and the confirmation: 409, and the account keeps its own', async () => {
    const { email, accessToken } = await registerUser(server);
    const newEmail = uniqueEmail('raced');
    await change(accessToken, newEmail);
    const token = await mail.tokenFor(newEmail, '/verify-email', 'Confirm your new email');
    await registerUser(server, newEmail);
    const confirmed = await server.request('POST', '/auth/email/verify', { body: { token } });
    assert.equal(confirmed.status, 409);
    assert.equal(confirmed.body.code, 'email_taken');
    assert.equal((await me(accessToken)).email, email);
  });
});
