import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { STORE_FAILED_DETAIL } from '../src/store/failed.js';
import { failingFdatasync, useFdatasync } from './support/fdatasync.js';
import { GOOD_PASSWORD, registerUser, startServer, type TestServer, uniqueEmail } from './support/server.js';
import { BATON, startServerProcess } from './support/serverProcess.js';

describe('a server whose disk refused a flush of its SQLite file', () => {
  const lines: string[] = [];
  let server: TestServer | undefined;
  after(async () => {
    useFdatasync();
    await server?.close();
  });

  it('answers every write 500 without Retry-After, fails its health check until restarted, and loses no acknowledged write', async () => {
    server = await startServer({
      logLevel: 'error',
      logStream: { write: (line) => void lines.push(line) },
      oauthPasswordGrant: true,
    });
    const user = await registerUser(server);
    const todo = await server.request('POST', '/todos', { token: user.accessToken, body: { title: 'kept' } });
    assert.equal(todo.status, 201);
    assert.equal((await server.request('GET', '/healthz')).status, 200);

    // The real call path: the WAL's fdatasync on the thread pool fails, as a dying disk's does.
    useFdatasync(failingFdatasync);
    const refused = await server.request('POST', '/auth/refresh', {
      body: { refreshToken: user.refreshToken },
    });
    // The disk works again, but a later flush proves nothing about the pages the failed one may
    // have dropped: the store writes nothing more, and trying again cannot help.
    useFdatasync();
    const later = await server.request('POST', '/todos', {
      token: user.accessToken,
      body: { title: 'lost' },
    });
    const oauth = await fetch(new URL('/oauth/token', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: user.email, password: GOOD_PASSWORD }),
    });
    for (const answer of [refused, later]) {
      assert.equal(answer.status, 500);
      assert.equal(answer.body.code, 'internal_error');
      assert.equal(answer.body.detail, STORE_FAILED_DETAIL);
      assert.equal(answer.headers.get('retry-after'), null, 'no promise that a retry soon will work');
    }
    assert.equal(oauth.status, 500);
    assert.deepEqual(await oauth.json(), { error: 'server_error', error_description: STORE_FAILED_DETAIL });

    const health = await server.request('GET', '/healthz');
    assert.equal(health.status, 503, 'a supervisor restarts it');
    assert.equal(health.body.status, 'failed');
    assert.match(health.body.detail, /restart/);
    assert.doesNotMatch(
      JSON.stringify(health.body),
      /EIO/,
      'the disk’s error is for the log, not the public',
    );
    const reads = await server.request('GET', '/todos', { token: user.accessToken });
    assert.equal(reads.status, 200, 'reads go on');

    const logged = lines.map((line) => JSON.parse(line) as { msg: string; err?: { message?: string } });
    const failures = logged.filter((entry) => entry.msg === 'storage failed');
    assert.equal(failures.length, 3, 'each refused write is logged as the store’s failure');
    assert.match(failures[0]?.err?.message ?? '', /EIO: i\/o error, fdatasync.*restart the server/);
    assert.equal(logged.filter((entry) => entry.msg === 'storage unavailable').length, 0);

    // Restarted on the same file, it serves again, with every write it acknowledged.
    await server.stop();
    server = await startServer({ dataDir: server.dataDir, clock: server.clock });
    assert.equal((await server.request('GET', '/healthz')).status, 200);
    const login = await server.request('POST', '/auth/login', {
      body: { email: user.email, password: GOOD_PASSWORD },
    });
    assert.equal(login.status, 200);
    const todos = await server.request('GET', '/todos', { token: login.body.accessToken });
    assert.deepEqual(
      todos.body.map((each: { title: string }) => each.title),
      ['kept'],
    );
  });
});

describe('the baton command whose disk refused a flush', () => {
  it('exits with status 1, and restarted on its file answers the refused refresh from its grace window', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-store-failed-'));
    // A grace window longer than any restart here: what is tested is that the refresh lands in it.
    const env = { BATON_DATA_DIR: dataDir, BATON_REFRESH_GRACE: '120' };
    const [node, ...flags] = BATON.slice(0, -1);
    const failing = await startServerProcess(env, {
      baton: [node as string, ...flags, '--import', './test/support/fdatasyncFailsOnSignal.ts', 'src/cli.ts'],
    });
    let restarted: Awaited<ReturnType<typeof startServerProcess>> | undefined;
    try {
      const post = (url: string, route: string, body: unknown) =>
        fetch(new URL(route, url), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const registered = await post(failing.url, '/auth/register', {
        email: uniqueEmail('disk'),
        password: GOOD_PASSWORD,
      });
      assert.equal(registered.status, 201);
      const { refreshToken } = (await registered.json()) as { refreshToken: string };
      const exited = once(failing.child, 'exit');
      failing.child.kill('SIGUSR2');
      while (!failing.output().includes('fdatasync fails'))
        await new Promise((resolve) => setImmediate(resolve));

      const refused = await post(failing.url, '/auth/refresh', { refreshToken });
      assert.equal(refused.status, 500);
      const [status] = await exited;
      assert.equal(status, 1);
      assert.match(failing.output(), /storage failed: exiting, so that the supervisor restarts the server/);

      // The supervisor's restart: SQLite replays the WAL, in which the refused rotation may be.
      restarted = await startServerProcess(env);
      const retried = await post(restarted.url, '/auth/refresh', { refreshToken });
      assert.equal(retried.status, 200, 'the same client, within the grace window: its successor');
      // The refused rotation was saved (the WAL replayed it): the retry was answered by the grace
      // window, not counted as the reuse of a spent token.
      const metrics = await (await fetch(new URL('/metrics', restarted.url))).text();
      assert.match(metrics, /^baton_refreshes_total\{outcome="grace"\} 1$/m);
      assert.match(metrics, /^baton_refreshes_total\{outcome="reuse"\} 0$/m);
      const next = (await retried.json()) as { refreshToken: string };
      assert.equal(
        (await post(restarted.url, '/auth/refresh', { refreshToken: next.refreshToken })).status,
        200,
      );
    } finally {
      await failing.kill().catch(() => {});
      await restarted?.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
