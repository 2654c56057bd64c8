import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { registerUser, startServer } from './support/server.js';

describe('durability', () => {
  it('a restart on the same data dir keeps users, sessions, todos and keys; earlier tokens still verify', async () => {
    const first = await startServer();
    const registered = await registerUser(first);
    const todo = await first.request('POST', '/todos', {
      token: registered.accessToken,
      body: { title: 'survive' },
    });
    const jwks = (await first.request('GET', '/.well-known/jwks.json')).body;
    await first.stop();

    const second = await startServer({ dataDir: first.dataDir, clock: first.clock });
    try {
      assert.deepEqual((await second.request('GET', '/.well-known/jwks.json')).body, jwks, 'same keys');
      const me = await second.request('GET', '/auth/me', { token: registered.accessToken });
      assert.equal(me.status, 200, 'a token issued before the restart still verifies');
      const todos = await second.request('GET', '/todos', { token: registered.accessToken });
      assert.deepEqual(todos.body, [todo.body]);
      const refreshed = await second.request('POST', '/auth/refresh', {
        body: { refreshToken: registered.refreshToken },
      });
      assert.equal(refreshed.status, 200, 'the session survived');
      const login = await second.request('POST', '/auth/login', {
        body: { email: registered.email, password: 'correct horse battery staple' },
      });
      assert.equal(login.status, 200, 'the user survived');
    } finally {
      await second.close();
    }
  });

  it('keeps the signing keys in a file only the owner can read', async () => {
    const server = await startServer();
    try {
      const info = await stat(path.join(server.dataDir, 'signing-keys.json'));
      assert.equal(info.mode & 0o777, 0o600);
    } finally {
      await server.close();
    }
  });

  it('creates the database and its WAL files readable by the owner only, even in a directory that already exists', async () => {
    // startServer hands createServer a directory it has just made (mode 0700 from mkdtemp, the
    // files under a 022 umask would be 0644): the store must set the mode itself.
    const server = await startServer();
    try {
      await registerUser(server);
      for (const file of ['baton.sqlite', 'baton.sqlite-wal', 'baton.sqlite-shm']) {
        const info = await stat(path.join(server.dataDir, file));
        assert.equal(info.mode & 0o777, 0o600, file);
      }
    } finally {
      await server.close();
    }
  });
});
