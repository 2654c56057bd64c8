import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthError, createAuthClient, djoserBackend, memoryStorage } from '../src/index.js';
import { type DjangoPeer, mailedLink, useDjangoPeer } from './support/djangoPeer.js';
import { recordEvents, typesOf } from './support/events.js';

let accounts = 0;
const newDjoserAccount = () => {
  accounts += 1;
  return {
    email: `account${accounts}-${process.pid}@example.com`,
    password: `correct horse battery ${accounts}`,
    name: 'Ada Lovelace',
  };
};

const clientOf = (peer: DjangoPeer) =>
  createAuthClient({ baseUrl: peer.url, backend: djoserBackend(), storage: memoryStorage() });

/** Whether these credentials sign in; else the error code. */
async function canSignIn(peer: DjangoPeer, email: string, password: string): Promise<boolean | string> {
  const probe = clientOf(peer);
  try {
    await probe.login({ email, password });
    return true;
  } catch (error) {
    return error instanceof AuthError ? error.code : String(error);
  } finally {
    probe.dispose();
  }
}

describe('account operations against djoser (peer.settings_named: first and last name)', () => {
  const django = useDjangoPeer({ settings: 'peer.settings_named' });

  async function signedIn(peer: DjangoPeer) {
    const account = newDjoserAccount();
    const client = clientOf(peer);
    await client.register(account);
    return { client, account, events: recordEvents(client) };
  }

  test('reset_password + reset_password_confirm: the old password is refused, the new one works', async (t) => {
    const { peer } = django;
    if (!peer) return t.skip(django.skipReason);
    const { client, account } = await signedIn(peer);
    await client.requestPasswordReset(account.email);
    const { uid, token } = await mailedLink(peer, account.email, 'reset-password');

    await assert.rejects(client.resetPassword({ token, newPassword: 'a brand new passphrase 1' }), {
      code: 'invalid_request',
      message: /lacks the user id \(uid\)/,
    });
    await assert.rejects(
      client.resetPassword({ uid, token: 'not-the-token', newPassword: 'whatever 12345' }),
      {
        code: 'invalid_reset_token',
        status: 400,
        fields: { token: ['Invalid token for given user.'] },
      },
    );
    const newPassword = 'a brand new passphrase 2';
    await client.resetPassword({ uid, token, newPassword });
    assert.equal(await canSignIn(peer, account.email, account.password), 'invalid_credentials');
    assert.equal(await canSignIn(peer, account.email, newPassword), true);
    // Django's reset tokens hash the password: the used link is dead.
    await assert.rejects(client.resetPassword({ uid, token, newPassword: 'a third passphrase 3' }), {
      code: 'invalid_reset_token',
    });
    client.dispose();
  });

  test('set_password: a wrong current password is invalid_current_password; the right one changes it', async (t) => {
    const { peer } = django;
    if (!peer) return t.skip(django.skipReason);
    const { client, account } = await signedIn(peer);
    await assert.rejects(
      client.changePassword({ currentPassword: 'not the password', newPassword: 'a brand new passphrase 4' }),
      (error: unknown) => {
        assert.ok(error instanceof AuthError);
        assert.equal(error.code, 'invalid_current_password');
        assert.equal(error.status, 400);
        assert.ok(error.fields?.current_password?.length, 'the field message is kept');
        return true;
      },
    );
    const newPassword = 'a brand new passphrase 5';
    await client.changePassword({ currentPassword: account.password, newPassword });
    assert.equal(await canSignIn(peer, account.email, newPassword), true);
    assert.equal(await canSignIn(peer, account.email, account.password), 'invalid_credentials');
    assert.notEqual(client.session, null);
    client.dispose();
  });

  test('updateProfile patches first_name and last_name; reloadUser reads them back', async (t) => {
    const { peer } = django;
    if (!peer) return t.skip(django.skipReason);
    const { client, events } = await signedIn(peer);
    assert.equal(client.session?.user?.emailVerified, null, 'djoser cannot tell');
    const user = await client.updateProfile({ name: 'Grace Brewster Hopper' });
    assert.equal(user.name, 'Grace Brewster Hopper');
    assert.equal(client.session?.user?.name, 'Grace Brewster Hopper');
    assert.deepEqual(typesOf(events), ['initial-session', 'user-updated']);
    assert.equal((await client.reloadUser())?.name, 'Grace Brewster Hopper');
    client.dispose();
  });

  test('changeEmail is not supported on djoser', async (t) => {
    const { peer } = django;
    if (!peer) return t.skip(django.skipReason);
    const { client, account } = await signedIn(peer);
    await assert.rejects(client.changeEmail({ newEmail: 'new@example.com', password: account.password }), {
      code: 'not_supported',
    });
    client.dispose();
  });

  test('DELETE users/me/: a wrong password keeps the account; the right one deletes it and signs out', async (t) => {
    const { peer } = django;
    if (!peer) return t.skip(django.skipReason);
    const { client, account, events } = await signedIn(peer);
    await assert.rejects(client.deleteAccount({ password: 'not the password' }), {
      code: 'invalid_current_password',
    });
    assert.notEqual(client.session, null);
    await client.deleteAccount({ password: account.password });
    assert.equal(client.session, null);
    assert.deepEqual(typesOf(events), ['initial-session', 'signed-out:deleted']);
    assert.equal(await canSignIn(peer, account.email, account.password), 'invalid_credentials');
    client.dispose();
  });
});

describe('account operations against djoser with activation by mail (peer.settings_activation)', () => {
  const django = useDjangoPeer({ settings: 'peer.settings_activation' });

  /** Registers through djoser's endpoint: the account is inactive, so nobody is signed in. */
  async function registered(peer: DjangoPeer) {
    const account = newDjoserAccount();
    const response = await fetch(`${peer.url}/auth/users/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: account.email, email: account.email, password: account.password }),
    });
    assert.equal(response.status, 201);
    return account;
  }

  test('activation: the mailed link activates the account; used again it is invalid_verification_token', async (t) => {
    const { peer } = django;
    if (!peer) return t.skip(django.skipReason);
    const account = await registered(peer);
    assert.equal(await canSignIn(peer, account.email, account.password), 'invalid_credentials');
    const client = clientOf(peer);
    const link = await mailedLink(peer, account.email, 'verify-email');
    await assert.rejects(client.verifyEmail({ token: link.token }), { code: 'invalid_request' });
    await client.verifyEmail(link);
    assert.equal(await canSignIn(peer, account.email, account.password), true);
    await assert.rejects(client.verifyEmail(link), { code: 'invalid_verification_token', status: 403 });
    client.dispose();
  });

  test('resend_activation mails a new link to the given address', async (t) => {
    const { peer } = django;
    if (!peer) return t.skip(django.skipReason);
    const account = await registered(peer);
    const client = clientOf(peer);
    await assert.rejects(client.resendVerification(), TypeError);
    const first = await mailedLink(peer, account.email, 'verify-email');
    await client.resendVerification({ email: account.email });
    const resent = await mailedLink(peer, account.email, 'verify-email');
    assert.equal(resent.uid, first.uid);
    await client.verifyEmail(resent);
    assert.equal(await canSignIn(peer, account.email, account.password), true);
    // Active now: djoser sends nothing more, and says so with an empty 400.
    await assert.rejects(client.resendVerification({ email: account.email }), {
      code: 'invalid_request',
      message: /No link was sent/,
    });
    client.dispose();
  });

  test("updateProfile on Django's default user model says the server has no name fields", async (t) => {
    const { peer } = django;
    if (!peer) return t.skip(django.skipReason);
    const account = await registered(peer);
    await fetch(`${peer.url}/auth/users/activation/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(await mailedLink(peer, account.email, 'verify-email')),
    });
    const client = clientOf(peer);
    await client.login(account);
    await assert.rejects(client.updateProfile({ name: 'Ada Lovelace' }), { code: 'not_supported' });
    client.dispose();
  });
});
