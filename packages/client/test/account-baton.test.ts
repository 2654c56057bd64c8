import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AuthError,
  createAuthClient,
  memoryStorage,
  oauth2Backend,
  SessionExpiredError,
  type TokenStorage,
} from '../src/index.js';
import { type BatonTestServer, newAccount, startBaton } from './support/batonServer.js';
import { nextEvent, recordEvents, typesOf } from './support/events.js';

const ACCESS_TTL = 60;

describe('account operations against a real Baton server', () => {
  let server: BatonTestServer;
  before(async () => {
    server = await startBaton({ accessTtl: ACCESS_TTL });
  });
  after(() => server.close());

  const clientOn = (
    storage: TokenStorage = memoryStorage(),
    extra: { crossTab?: boolean; storageKey?: string } = {},
  ) => createAuthClient({ baseUrl: server.url, storage, ...extra });

  async function signedIn() {
    const account = newAccount();
    const client = clientOn();
    await client.register(account);
    return { client, account, events: recordEvents(client) };
  }

  /** Whether these credentials sign in (a fresh client, so nothing is shared). */
  async function canSignIn(email: string, password: string): Promise<boolean | string> {
    const probe = clientOn();
    try {
      await probe.login({ email, password });
      return true;
    } catch (error) {
      return error instanceof AuthError ? error.code : String(error);
    } finally {
      probe.dispose();
    }
  }

  test('a reset link sets a new password: the old one is refused, the link works once, sessions end', async () => {
    const { client, account } = await signedIn();
    const signedOut = clientOn();
    await signedOut.requestPasswordReset(account.email);
    const token = await server.mailedToken(account.email, '/reset-password');
    const newPassword = 'a brand new passphrase 42';
    await signedOut.resetPassword({ token, newPassword });

    assert.equal(await canSignIn(account.email, account.password), 'invalid_credentials');
    assert.equal(await canSignIn(account.email, newPassword), true);
    await assert.rejects(signedOut.resetPassword({ token, newPassword: 'yet another passphrase 43' }), {
      code: 'invalid_reset_token',
      status: 400,
    });
    // Every session ended: the signed-in client learns it at its next refresh.
    await assert.rejects(client.reloadUser(), SessionExpiredError);
    assert.equal(client.session, null);
    client.dispose();
    signedOut.dispose();
  });

  test('an unknown address gets the same answer as a known one', async () => {
    const client = clientOn();
    await client.requestPasswordReset(`nobody-${process.pid}@example.com`);
    client.dispose();
  });

  test('changePassword: a wrong current password is invalid_current_password and keeps the session', async () => {
    const { client, account, events } = await signedIn();
    await assert.rejects(
      client.changePassword({
        currentPassword: 'not the password',
        newPassword: 'a brand new passphrase 44',
      }),
      { code: 'invalid_current_password', status: 403 },
    );
    assert.notEqual(client.session, null);
    assert.deepEqual(typesOf(events), ['initial-session']);
    assert.equal(await canSignIn(account.email, account.password), true);
    client.dispose();
  });

  test('changePassword ends every other session and keeps this one', async () => {
    const { client, account } = await signedIn();
    const other = clientOn();
    await other.login(account);
    const newPassword = 'a brand new passphrase 45';
    await client.changePassword({ currentPassword: account.password, newPassword });

    assert.equal((await client.reloadUser())?.email, account.email, 'this session still works');
    await assert.rejects(other.reloadUser(), SessionExpiredError);
    assert.equal(await canSignIn(account.email, newPassword), true);
    assert.equal(await canSignIn(account.email, account.password), 'invalid_credentials');
    client.dispose();
    other.dispose();
  });

  test('verifyEmail while signed in marks the stored user verified; the link works once', async () => {
    const { client, account, events } = await signedIn();
    assert.equal(client.session?.user?.emailVerified, false);
    const token = await server.mailedToken(account.email, '/verify-email');
    await client.verifyEmail({ token });

    assert.equal(client.session?.user?.emailVerified, true);
    assert.deepEqual(typesOf(events), ['initial-session', 'user-updated']);
    await assert.rejects(client.verifyEmail({ token }), { code: 'invalid_verification_token', status: 400 });
    client.dispose();
  });

  test('resendVerification mails a new link: signed in by token, signed out by address', async () => {
    const { client, account } = await signedIn();
    const first = await server.mailedToken(account.email, '/verify-email');
    await client.resendVerification();
    const second = await server.mailedToken(account.email, '/verify-email');
    assert.notEqual(second, first);

    const signedOut = clientOn();
    await assert.rejects(signedOut.resendVerification(), TypeError);
    await signedOut.resendVerification({ email: account.email });
    const third = await server.mailedToken(account.email, '/verify-email');
    assert.notEqual(third, second);
    // Followed signed out, the link verifies the account all the same.
    await signedOut.verifyEmail({ token: third });
    assert.equal((await client.reloadUser())?.emailVerified, true);
    client.dispose();
    signedOut.dispose();
  });

  test('changeEmail moves the account once the link mailed to the new address is followed', async () => {
    const { client, account } = await signedIn();
    const newEmail = `moved-${newAccount().email}`;
    await assert.rejects(client.changeEmail({ newEmail, password: 'not the password' }), {
      code: 'invalid_current_password',
    });
    await client.changeEmail({ newEmail, password: account.password });
    assert.equal(client.session?.user?.email, account.email, 'nothing changes before the link is followed');
    const token = await server.mailedToken(newEmail, '/verify-email');
    await client.verifyEmail({ token });

    assert.equal(client.session?.user?.email, newEmail);
    assert.equal(await canSignIn(newEmail, account.password), true);
    client.dispose();
  });

  test('updateProfile stores the new name, and another tab sees user-updated', async () => {
    const storage = memoryStorage();
    const storageKey = `account-tabs-${process.pid}`;
    const tab = clientOn(storage, { crossTab: true, storageKey });
    const otherTab = clientOn(storage, { crossTab: true, storageKey });
    const otherSignedIn = nextEvent(otherTab, 'signed-in');
    await tab.register(newAccount());
    await otherSignedIn;

    const seen = nextEvent(otherTab, 'user-updated');
    const user = await tab.updateProfile({ name: 'Ada Lovelace' });
    assert.equal(user.name, 'Ada Lovelace');
    assert.equal(tab.session?.user?.name, 'Ada Lovelace');
    const event = await seen;
    assert.equal(event.type === 'user-updated' && event.session.user?.name, 'Ada Lovelace');
    assert.equal(otherTab.session?.accessToken, tab.session?.accessToken, 'the tokens stay the same');

    // Persisted: a client started later (a reload) restores the new name.
    const reloaded = clientOn(storage, { storageKey });
    await reloaded.ready;
    assert.equal(reloaded.session?.user?.name, 'Ada Lovelace');
    assert.equal((await tab.updateProfile({ name: null })).name, null);
    for (const client of [tab, otherTab, reloaded]) client.dispose();
  });

  test('reloadUser fetches the user as the server has it now', async () => {
    const { client, events } = await signedIn();
    const user = await client.reloadUser();
    assert.equal(user?.id, client.session?.user?.id);
    assert.deepEqual(typesOf(events), ['initial-session'], 'an unchanged user is no event');
    client.dispose();
    const signedOut = clientOn();
    assert.equal(await signedOut.reloadUser(), null);
    signedOut.dispose();
  });

  test('signed-in operations called signed out throw SessionExpiredError and send nothing', async () => {
    const client = clientOn();
    const before = server.log.length;
    await assert.rejects(
      client.changePassword({ currentPassword: 'a', newPassword: 'b' }),
      SessionExpiredError,
    );
    await assert.rejects(
      client.changeEmail({ newEmail: 'x@example.com', password: 'a' }),
      SessionExpiredError,
    );
    await assert.rejects(client.updateProfile({ name: 'Ada' }), SessionExpiredError);
    await assert.rejects(client.deleteAccount({ password: 'a' }), SessionExpiredError);
    assert.equal(server.log.length, before);
    client.dispose();
  });

  test('an expired access token is refreshed before the operation', async () => {
    const storage = memoryStorage();
    const client = createAuthClient({ baseUrl: server.url, storage, clock: server.clock });
    await client.register(newAccount());
    server.clock.advance((ACCESS_TTL + 1) * 1000);
    const refreshes = server.count('/auth/refresh');
    assert.equal((await client.updateProfile({ name: 'Grace' })).name, 'Grace');
    assert.equal(server.count('/auth/refresh') - refreshes, 1);
    client.dispose();
  });

  test('deleteAccount: a wrong password keeps everything; the right one deletes and signs out with "deleted"', async () => {
    const { client, account, events } = await signedIn();
    await assert.rejects(client.deleteAccount({ password: 'not the password' }), {
      code: 'invalid_current_password',
      status: 403,
    });
    assert.notEqual(client.session, null);

    await client.deleteAccount({ password: account.password });
    assert.equal(client.session, null);
    assert.deepEqual(typesOf(events), ['initial-session', 'signed-out:deleted']);
    assert.equal(await canSignIn(account.email, account.password), 'invalid_credentials');
    client.dispose();
  });

  test('a backend without account operations throws not_supported with a sentence for a person', async () => {
    const client = createAuthClient({
      baseUrl: server.url,
      storage: memoryStorage(),
      backend: oauth2Backend({ tokenEndpoint: '/oauth/token' }),
    });
    await assert.rejects(client.requestPasswordReset('ada@example.com'), (error: unknown) => {
      assert.ok(error instanceof AuthError);
      assert.equal(error.code, 'not_supported');
      assert.match(error.message, /^This server cannot .+\.$/);
      return true;
    });
    await assert.rejects(client.reloadUser(), { code: 'not_supported' });
    await assert.rejects(client.deleteAccount({ password: 'x' }), { code: 'not_supported' });
    client.dispose();
  });
});
