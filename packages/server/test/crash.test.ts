/**
 * Crash safety: `baton serve` in its own process is killed with SIGKILL in the middle of a refresh
 * storm, restarted on the same data directory, and every client must be able to carry on.
 *
 * A chain only ever presents the refresh token it was last answered, so at the kill its state is
 * one of two: (a) that token was not rotated, or its rotation was not committed: presenting it
 * rotates now; (b) its rotation was committed but the answer was lost with the process: the
 * token is within the grace window (BATON_REFRESH_GRACE=60) and is answered with the same
 * successor it would have received. Either way the last answered token gets a 200, and nothing
 * answered 2xx (users, sessions, rotations, todos) may be missing after the restart.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { SQLITE_FILE } from '../src/openStore.js';
import { createSqliteStore } from '../src/store/index.js';
import { hashRefreshToken } from '../src/tokens/refresh.js';
import {
  type AcknowledgedTodo,
  type Chain,
  call,
  mapConcurrently,
  refreshStorm,
  todoWriters,
} from './support/refreshStorm.js';
import { GOOD_PASSWORD } from './support/server.js';
import { type ServerProcess, startServerProcess } from './support/serverProcess.js';

const USERS = 20;
const LOGINS_PER_USER = 15;
const TODOS_PER_USER = 3;
const CONCURRENCY = 32;
const SEED = Number(process.env.BATON_CRASH_SEED ?? Math.floor(Math.random() * 1_000_000));
/** The kill comes after this many acknowledged rotations: somewhere in the storm, never at its start. */
const KILL_AFTER = 100 + (SEED % 500);
const ENV = { BATON_RATE_LIMITS: 'off', BATON_REFRESH_GRACE: '60', BATON_ACCESS_TTL: '15m' };

const emailOf = (index: number) => `crash.${process.pid}.${index}@example.com`;

describe('crash safety under SIGKILL', () => {
  it('after a kill -9 mid refresh storm every chain continues and nothing acknowledged is lost', async () => {
    console.log(`crash: seed ${SEED}, SIGKILL after ${KILL_AFTER} acknowledged rotations`);
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-crash-'));
    let server: ServerProcess | undefined = await startServerProcess({ ...ENV, BATON_DATA_DIR: dataDir });
    try {
      const base = server.url;
      const users = await mapConcurrently([...Array(USERS).keys()], 8, async (index) => {
        const registered = await call(base, 'POST', '/auth/register', {
          body: { email: emailOf(index), password: GOOD_PASSWORD },
        });
        assert.equal(registered.status, 201, JSON.stringify(registered.body));
        return { id: registered.body.user.id as string, accessToken: registered.body.accessToken as string };
      });
      const todos: AcknowledgedTodo[] = [];
      await mapConcurrently(users, 8, async (user, userIndex) => {
        for (let n = 0; n < TODOS_PER_USER; n++) {
          const title = `before the storm ${n}`;
          const created = await call(base, 'POST', '/todos', { token: user.accessToken, body: { title } });
          assert.equal(created.status, 201);
          todos.push({ userIndex, id: created.body.id, title });
        }
      });
      const logins = [...Array(USERS * LOGINS_PER_USER).keys()].map((n) => n % USERS);
      const chains: Chain[] = await mapConcurrently(logins, 16, async (userIndex) => {
        const login = await call(base, 'POST', '/auth/login', {
          body: { email: emailOf(userIndex), password: GOOD_PASSWORD },
        });
        assert.equal(login.status, 200, JSON.stringify(login.body));
        const sessionId = String(decodeJwt(login.body.accessToken).sid);
        return { userIndex, sessionId, answered: login.body.refreshToken, inFlight: undefined, rotations: 0 };
      });

      // The storm, and the kill from inside it once enough rotations were answered.
      const started = performance.now();
      let killed: Promise<void> | undefined;
      let killedAfterMs = 0;
      const victim = server;
      const writers = todoWriters(
        base,
        users.map((user) => user.accessToken),
        4,
        todos,
      );
      const storm = await refreshStorm(base, chains, CONCURRENCY, (count) => {
        if (count === KILL_AFTER && !killed) {
          killedAfterMs = Math.round(performance.now() - started);
          killed = victim.kill();
        }
      });
      const writerRefusals = await writers;
      assert.ok(killed, `the storm ended before ${KILL_AFTER} rotations: ${storm.refusals.join('; ')}`);
      await killed;
      server = undefined;
      assert.deepEqual(storm.refusals, [], 'a refresh was refused before the kill');
      assert.deepEqual(writerRefusals, [], 'a todo was refused before the kill');

      // What the database says, before anything else touches it.
      const inFlight = await inspectDatabase(dataDir, chains);

      server = await startServerProcess({ ...ENV, BATON_DATA_DIR: dataDir });
      const after = server.url;
      await mapConcurrently(chains, CONCURRENCY, async (chain) => {
        const where = `session ${chain.sessionId} (${chain.rotations} rotations, in flight: ${chain.inFlight !== undefined})`;
        const first = await call(after, 'POST', '/auth/refresh', { body: { refreshToken: chain.answered } });
        assert.equal(
          first.status,
          200,
          `${where}: last answered token refused: ${JSON.stringify(first.body)}`,
        );
        assert.equal(decodeJwt(first.body.accessToken).sid, chain.sessionId, `${where}: another session`);
        const again = await call(after, 'POST', '/auth/refresh', { body: { refreshToken: chain.answered } });
        assert.equal(again.status, 200, `${where}: grace window refused: ${JSON.stringify(again.body)}`);
        assert.equal(again.body.refreshToken, first.body.refreshToken, `${where}: the chain forked`);
        const next = await call(after, 'POST', '/auth/refresh', {
          body: { refreshToken: first.body.refreshToken },
        });
        assert.equal(next.status, 200, `${where}: successor refused: ${JSON.stringify(next.body)}`);
      });

      await mapConcurrently(users, 8, async (user, userIndex) => {
        const login = await call(after, 'POST', '/auth/login', {
          body: { email: emailOf(userIndex), password: GOOD_PASSWORD },
        });
        assert.equal(login.status, 200, `user ${userIndex} cannot log in after the crash`);
        assert.equal(login.body.user.id, user.id);
        const token = login.body.accessToken;
        const listed = await call(after, 'GET', '/todos', { token });
        const ids = new Set(listed.body.map((todo: { id: string }) => todo.id));
        for (const todo of todos.filter((candidate) => candidate.userIndex === userIndex)) {
          assert.ok(
            ids.has(todo.id),
            `user ${userIndex} lost acknowledged todo "${todo.title}" (${todo.id})`,
          );
        }
        const sessions = await call(after, 'GET', '/auth/sessions', { token });
        const live = new Set(sessions.body.map((session: { id: string }) => session.id));
        for (const chain of chains.filter((candidate) => candidate.userIndex === userIndex)) {
          assert.ok(live.has(chain.sessionId), `user ${userIndex} lost session ${chain.sessionId}`);
        }
      });

      console.log(
        `crash: ${chains.length} chains checked, ${storm.acknowledged} refreshes acknowledged before SIGKILL ` +
          `(killed after ${killedAfterMs} ms; ${inFlight.committed + inFlight.uncommitted} in flight: ` +
          `${inFlight.committed} committed with the answer lost, ${inFlight.uncommitted} not committed), ` +
          `${todos.length} todos and ${USERS} users intact`,
      );
    } finally {
      await server?.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

/**
 * Reads the killed server's database: every token a client was answered with must be stored, and
 * unused unless the client had sent it again; for tokens in flight, counts whether the rotation
 * was committed (the answer was lost) or not.
 */
async function inspectDatabase(dataDir: string, chains: readonly Chain[]) {
  const store = await createSqliteStore({ filename: path.join(dataDir, SQLITE_FILE) });
  const counts = { committed: 0, uncommitted: 0 };
  try {
    for (const chain of chains) {
      const record = await store.findRefreshToken(hashRefreshToken(chain.answered));
      assert.ok(record, `session ${chain.sessionId}: the last answered refresh token is not in the database`);
      if (chain.inFlight === undefined) {
        assert.equal(
          record.usedAt,
          null,
          `session ${chain.sessionId}: a token never sent again was consumed`,
        );
      } else if (record.usedAt === null) {
        counts.uncommitted++;
      } else {
        counts.committed++;
      }
    }
  } finally {
    await store.close();
  }
  return counts;
}
