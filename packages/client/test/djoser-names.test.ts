import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthError, createAuthClient, djoserBackend, memoryStorage } from '../src/index.js';
import { useDjangoPeer } from './support/djangoPeer.js';

describe('djoserBackend against the Django tutorial user model (REQUIRED_FIELDS = first_name, last_name)', () => {
  const django = useDjangoPeer({ settings: 'peer.settings_named' });
  let accounts = 0;

  const client = (backend = djoserBackend()) =>
    createAuthClient({ baseUrl: django.peer!.url, backend, storage: memoryStorage() });
  const account = () => {
    accounts += 1;
    return { email: `named${accounts}-${process.pid}@example.com`, password: 'correct horse battery staple' };
  };

  test('registration splits the name into first_name and last_name and signs in', async (t) => {
    const { peer } = django;
    if (!peer) return t.skip(django.skipReason);
    const auth = client();
    const input = { ...account(), name: 'Ada King Lovelace' };
    const session = await auth.register(input);
    assert.equal(session.user?.email, input.email);
    assert.equal(session.user?.name, 'Ada King Lovelace', "from the server's first_name and last_name");
    assert.equal((await auth.fetch(`${peer.url}/todos/`)).status, 200);
    auth.dispose();
  });

  test('registering an address that has an account already is email_taken', async (t) => {
    if (!django.peer) return t.skip(django.skipReason);
    const auth = client();
    const input = { ...account(), name: 'Ada Lovelace' };
    await auth.register(input);
    await assert.rejects(auth.register(input), (error: unknown) => {
      assert.ok(error instanceof AuthError);
      assert.equal(error.code, 'email_taken');
      assert.deepEqual(error.fields, { email: ['user with this email already exists.'] });
      return true;
    });
    auth.dispose();
  });

  test('missing fields are refused with their names, as invalid_request', async (t) => {
    if (!django.peer) return t.skip(django.skipReason);
    const auth = client();
    await assert.rejects(auth.register(account()), (error: unknown) => {
      assert.ok(error instanceof AuthError);
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.status, 400);
      assert.deepEqual(Object.keys(error.fields ?? {}).sort(), ['first_name', 'last_name']);
      assert.match(error.message, /first_name: .+ last_name: /);
      return true;
    });
    await assert.rejects(auth.register({ ...account(), name: 'Ada' }), (error: unknown) => {
      assert.ok(error instanceof AuthError);
      assert.deepEqual(Object.keys(error.fields ?? {}), ['last_name'], 'a single word is a first name only');
      return true;
    });
    assert.equal(auth.session, null);
    auth.dispose();
  });

  test('registrationBody builds the body a custom model needs', async (t) => {
    if (!django.peer) return t.skip(django.skipReason);
    const auth = client(
      djoserBackend({
        registrationBody: ({ email, password }) => ({
          email,
          password,
          first_name: 'Grace',
          last_name: 'Hopper',
        }),
      }),
    );
    const session = await auth.register(account());
    assert.equal(session.user?.name, 'Grace Hopper');
    auth.dispose();
  });
});
