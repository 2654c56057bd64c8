import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { describeStoreConformance } from '../src/store/conformance.js';
import { createSqliteStore } from '../src/store/index.js';

const tempFile = async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-sqlite-'));
  return { dir, filename: path.join(dir, 'baton.sqlite') };
};

describeStoreConformance('SQLite', async () => {
  const { dir, filename } = await tempFile();
  const store = createSqliteStore({ filename });
  return {
    store,
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite store on disk', () => {
  it('keeps what it acknowledged across a close and reopen', async () => {
    const { dir, filename } = await tempFile();
    try {
      const first = createSqliteStore({ filename });
      await first.migrate();
      const user = await first.createUser({
        id: randomUUID(),
        email: 'keep@example.com',
        emailKey: 'keep@example.com',
        name: 'Keep',
        passwordHash: 'h',
        createdAt: 1,
      });
      await first.close();
      const second = createSqliteStore({ filename });
      await second.migrate();
      assert.deepEqual(await second.findUserById(user.id), user);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('two connections to one file rotating one token: exactly one wins', async () => {
    const { dir, filename } = await tempFile();
    const a = createSqliteStore({ filename });
    const b = createSqliteStore({ filename });
    try {
      await Promise.all([a.migrate(), b.migrate()]);
      const user = await a.createUser({
        id: randomUUID(),
        email: 'race@example.com',
        emailKey: 'race@example.com',
        name: null,
        passwordHash: 'h',
        createdAt: 1,
      });
      const session = {
        id: randomUUID(),
        userId: user.id,
        createdAt: 1,
        idleExpiresAt: 1e13,
        expiresAt: 1e13,
        userAgent: null,
        ip: null,
      };
      await a.createSession(session, 'first');
      const attempts = Array.from({ length: 20 }, (_, index) =>
        (index % 2 ? a : b).rotateRefreshToken({
          tokenHash: 'first',
          successorHash: `s${index}`,
          now: 2,
          idleExpiresAt: 1e13,
        }),
      );
      const results = await Promise.all(attempts);
      assert.equal(results.filter((result) => result.status === 'rotated').length, 1);
    } finally {
      await a.close();
      await b.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
