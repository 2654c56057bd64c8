import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Router } from '@angular/router';
import { type AuthEvent, memoryStorage, type User } from '@baton/client';
import { type BatonTestServer, newAccount, startBaton } from '../../client/test/support/batonServer.js';
import { BatonAuth, provideBaton } from '../src/index.js';
import { createTestInjector, settle } from './support/injector.js';

let server: BatonTestServer;
before(async () => {
  server = await startBaton({ accessTtl: 60 });
});
after(() => server.close());

/** BatonAuth over the real client and a real server, signed in to a new account. */
async function signedIn() {
  const injector = createTestInjector([provideBaton({ baseUrl: server.url, storage: memoryStorage() })]);
  const auth = injector.get(BatonAuth);
  const account = newAccount();
  await auth.register(account);
  return { injector, auth, account };
}

test('updateProfile: the user signal, user$ and events$ follow the new name', async () => {
  const { injector, auth } = await signedIn();
  const users: (User | null)[] = [];
  const events: AuthEvent['type'][] = [];
  auth.user$.subscribe((user) => users.push(user));
  auth.events$.subscribe((event) => events.push(event.type));
  const user = await auth.updateProfile({ name: 'Ada Lovelace' });
  assert.equal(user.name, 'Ada Lovelace');
  assert.equal(auth.user()?.name, 'Ada Lovelace');
  assert.deepEqual(
    users.map((seen) => seen?.name),
    [null, 'Ada Lovelace'],
  );
  assert.deepEqual(events, ['user-updated']);
  injector.destroy();
});

test('verifyEmail while signed in: the user signal shows the verified address', async () => {
  const { injector, auth, account } = await signedIn();
  assert.equal(auth.user()?.emailVerified, false);
  await auth.verifyEmail({ token: await server.mailedToken(account.email, '/verify-email') });
  assert.equal(auth.user()?.emailVerified, true);
  injector.destroy();
});

test('changePassword with a wrong current password rejects and stays signed in', async () => {
  const { injector, auth } = await signedIn();
  await assert.rejects(
    auth.changePassword({ currentPassword: 'not the password', newPassword: 'new pass 1234' }),
    {
      code: 'invalid_current_password',
    },
  );
  assert.equal(auth.signedIn(), true);
  injector.destroy();
});

test('deleteAccount signs out and goes to the login page with reason=deleted and no return URL', async () => {
  const { injector, auth, account } = await signedIn();
  const router = injector.get(Router);
  await router.navigateByUrl('/todos');
  await auth.deleteAccount({ password: account.password });
  await settle();
  assert.equal(auth.signedIn(), false);
  assert.equal(router.url, '/login?reason=deleted');
  injector.destroy();
});
