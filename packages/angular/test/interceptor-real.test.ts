import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HttpClient } from '@angular/common/http';
import { memoryStorage } from '@baton/client';
import { firstValueFrom } from 'rxjs';
import { type BatonTestServer, newAccount, startBaton } from '../../client/test/support/batonServer.js';
import { BatonAuth, provideBaton } from '../src/index.js';
import { createTestInjector } from './support/injector.js';

let server: BatonTestServer;
before(async () => {
  server = await startBaton({ accessTtl: 60 });
});
after(() => server.close());

test('parallel 401s share one refresh of the real client, each retried once with the new token', async () => {
  // The real client (provideBaton creates it) and HttpClient's fetch backend against a real server.
  const injector = createTestInjector([provideBaton({ baseUrl: server.url, storage: memoryStorage() })], {
    http: 'fetch',
  });
  const http = injector.get(HttpClient);
  const auth = injector.get(BatonAuth);
  await auth.register(newAccount());
  const oldToken = auth.session()?.accessToken;
  // Only the server's clock moves: the client learns of the expiry from the 401s.
  server.clock.advance(61_000);
  const start = server.log.length;
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, index) =>
      firstValueFrom(http.get<unknown[]>(`${server.url}/${index % 2 === 0 ? 'todos' : 'auth/sessions'}`)),
    ),
  );
  assert.equal(answers.length, 20);
  assert.ok(answers.every((answer) => Array.isArray(answer)));
  const seen = server.log.slice(start);
  assert.equal(seen.filter((entry) => entry.path === '/auth/refresh').length, 1, 'one refresh for all 20');
  const newToken = auth.session()?.accessToken;
  assert.notEqual(newToken, oldToken);
  for (const path of ['/todos', '/auth/sessions']) {
    const sent = seen.filter((entry) => entry.path === path).map((entry) => entry.authorization);
    const count = (token: string | undefined) => sent.filter((header) => header === `Bearer ${token}`).length;
    assert.deepEqual(
      [sent.length, count(oldToken), count(newToken)],
      [20, 10, 10],
      `${path}: each sent twice`,
    );
  }
  injector.destroy();
});
