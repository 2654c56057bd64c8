import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerUser, startServer, type TestServer } from './support/server.js';

describe('todos', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('creates, lists, updates and deletes the caller’s todos', async () => {
    const { accessToken: token } = await registerUser(server);
    const created = await server.request('POST', '/todos', { token, body: { title: '  buy milk ' } });
    assert.equal(created.status, 201);
    assert.equal(created.body.title, 'buy milk');
    assert.equal(created.body.done, false);
    const list = await server.request('GET', '/todos', { token });
    assert.deepEqual(list.body, [created.body]);
    const toggled = await server.request('PATCH', `/todos/${created.body.id}`, {
      token,
      body: { done: true },
    });
    assert.equal(toggled.status, 200);
    assert.equal(toggled.body.done, true);
    assert.equal(toggled.body.title, 'buy milk');
    const renamed = await server.request('PATCH', `/todos/${created.body.id}`, {
      token,
      body: { title: 'buy oat milk' },
    });
    assert.equal(renamed.body.title, 'buy oat milk');
    assert.equal(renamed.body.done, true);
    const deleted = await server.request('DELETE', `/todos/${created.body.id}`, { token });
    assert.equal(deleted.status, 204);
    assert.deepEqual((await server.request('GET', '/todos', { token })).body, []);
  });

  it("never shows or changes another user's todos: 404", async () => {
    const alice = await registerUser(server);
    const bob = await registerUser(server);
    const todo = await server.request('POST', '/todos', {
      token: alice.accessToken,
      body: { title: 'secret' },
    });
    assert.deepEqual((await server.request('GET', '/todos', { token: bob.accessToken })).body, []);
    const patch = await server.request('PATCH', `/todos/${todo.body.id}`, {
      token: bob.accessToken,
      body: { done: true },
    });
    assert.equal(patch.status, 404);
    assert.equal(patch.body.code, 'not_found');
    const del = await server.request('DELETE', `/todos/${todo.body.id}`, { token: bob.accessToken });
    assert.equal(del.status, 404);
    const mine = await server.request('GET', '/todos', { token: alice.accessToken });
    assert.equal(mine.body[0].done, false);
  });

  it('answers 401 without a valid token and 400 for bad bodies', async () => {
    assert.equal((await server.request('GET', '/todos')).status, 401);
    assert.equal((await server.request('POST', '/todos', { body: { title: 'x' } })).status, 401);
    const { accessToken: token } = await registerUser(server);
    for (const body of [
      {},
      { title: '' },
      { title: '   ' },
      { title: 5 },
      { title: 'x'.repeat(501) },
      { title: 'x', extra: 1 },
    ]) {
      const response = await server.request('POST', '/todos', { token, body });
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.code, 'invalid_request');
    }
    const created = await server.request('POST', '/todos', { token, body: { title: 'x' } });
    const empty = await server.request('PATCH', `/todos/${created.body.id}`, { token, body: {} });
    assert.equal(empty.status, 400);
    const wrongType = await server.request('PATCH', `/todos/${created.body.id}`, {
      token,
      body: { done: 'yes' },
    });
    assert.equal(wrongType.status, 400);
    const missing = await server.request('PATCH', '/todos/nope', { token, body: { done: true } });
    assert.equal(missing.status, 404);
  });
});
