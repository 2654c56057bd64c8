import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { baton } from './support/cli.js';
import { GOOD_PASSWORD, registerUser, startServer } from './support/server.js';

describe('baton audit', () => {
  it('lets an admin read logins, failures, reuse and revocations with IP and user agent', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-audit-'));
    const server = await startServer({ dataDir });
    try {
      const { email, refreshToken } = await registerUser(server);
      const headers = { 'user-agent': 'AuditTest/1.0' };
      await server.request('POST', '/auth/login', { body: { email, password: 'wrong password!' }, headers });
      await server.request('POST', '/auth/login', { body: { email, password: GOOD_PASSWORD }, headers });
      await server.request('POST', '/auth/refresh', { body: { refreshToken } });
      server.clock.advance(11_000);
      await server.request('POST', '/auth/refresh', { body: { refreshToken } });
      await server.stop();

      const env = { BATON_DATA_DIR: dataDir };
      const all = await baton(['audit', '--user', email, '--json'], env);
      assert.equal(all.code, 0, all.stderr);
      const events = all.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { kind: string; ip: string | null; userAgent: string | null });
      const kinds = events.map((event) => event.kind);
      for (const kind of ['user_registered', 'login_failed', 'login_succeeded', 'refresh_reuse_detected']) {
        assert.ok(kinds.includes(kind), `${kind} in ${kinds.join(', ')}`);
      }
      const failed = events.find((event) => event.kind === 'login_failed');
      assert.equal(failed?.ip, '127.0.0.1');
      assert.equal(failed?.userAgent, 'AuditTest/1.0');

      const onlyFailures = await baton(['audit', '--kind', 'login_failed', '--limit', '5'], env);
      assert.equal(onlyFailures.code, 0);
      assert.match(onlyFailures.stdout, /login_failed/);
      assert.doesNotMatch(onlyFailures.stdout, /login_succeeded/);
      assert.equal((await baton(['audit', '--kind', 'nonsense'], env)).code, 2);
      assert.match((await baton(['audit', '--help'], env)).stdout, /^Usage: baton audit/);
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
