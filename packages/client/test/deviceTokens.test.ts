import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthError, createAuthClient, memoryStorage } from '../src/index.js';
import { type BatonTestServer, newAccount, startBaton } from './support/batonServer.js';

/**
 * Baton limits password guessing per (account, client): a device that signed in before has a
 * budget of its own. The SDK keeps the device token the server hands out and sends it with the
 * next login, so an attacker who locks the account for unknown clients does not lock its owner
 * out of a device they used before.
 */
describe('device tokens against a real Baton with its default limits', () => {
  let server: BatonTestServer;
  before(async () => {
    server = await startBaton({ rateLimits: true });
  });
  after(() => server.close());

  const wrongLogin = (email: string, n: number) =>
    fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: `guess number ${n}` }),
    });

  test('a device that signed in before still signs in while the account is locked for unknown clients', async () => {
    const account = newAccount();
    const storage = memoryStorage();
    const owner = createAuthClient({ baseUrl: server.url, storage });
    await owner.register(account);
    await owner.logout();
    for (let n = 0; n < 10; n++) await wrongLogin(account.email, n);

    const stranger = createAuthClient({ baseUrl: server.url, storage: memoryStorage() });
    await assert.rejects(stranger.login(account), (error: unknown) => {
      assert.ok(error instanceof AuthError);
      assert.equal(error.code, 'rate_limited');
      return true;
    });
    const session = await owner.login({ email: account.email.toUpperCase(), password: account.password });
    assert.ok(session.accessToken, 'the owner signed in from the device it used before');
    owner.dispose();
    stranger.dispose();
  });

  test('the device token outlives a sign-out, is kept per account, and is not part of the session', async () => {
    const storage = memoryStorage();
    const client = createAuthClient({ baseUrl: server.url, storage });
    const account = newAccount();
    await client.register(account);
    const devices = JSON.parse((await storage.get('baton.session.devices')) ?? '{}');
    assert.match(devices[account.email.toLowerCase()], /^bdt_/);
    assert.ok(!((await storage.get('baton.session')) ?? '').includes('bdt_'), 'not stored with the tokens');
    await client.logout();
    assert.equal(await storage.get('baton.session'), null);
    assert.deepEqual(JSON.parse((await storage.get('baton.session.devices')) ?? '{}'), devices);
    client.dispose();
  });
});
