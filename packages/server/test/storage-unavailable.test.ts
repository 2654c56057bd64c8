import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { SQLITE_FILE } from '../src/openStore.js';
import { isStorageUnavailable } from '../src/store/unavailable.js';
import { findTestDatabase, NO_POSTGRES, requireTestDatabase, type TestDatabase } from './support/postgres.js';
import { needs } from './support/runtime.js';
import { GOOD_PASSWORD, registerUser, startServer, type TestServer } from './support/server.js';

/** The error `work` rejects with (failing the test if it resolves). */
async function failureOf(work: () => unknown): Promise<Error> {
  try {
    await work();
  } catch (error) {
    assert.ok(error instanceof Error, `an Error, not ${String(error)}`);
    return error;
  }
  assert.fail('expected a failure');
}

/** A TCP server on `port` (by default a free one) of 127.0.0.1 that does `onSocket` with each connection. */
async function tcpServer(
  onSocket: (socket: net.Socket) => void,
  port = 0,
): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close() {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

describe('which failures are the storage being unavailable (real errors of each engine)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-unavailable-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('SQLite: a write lock held past the busy timeout, or a read-only file, is; a constraint is not', async () => {
    const file = path.join(dir, 'locks.sqlite');
    const holder = new Database(file);
    holder.pragma('journal_mode = WAL');
    holder.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    holder.exec('INSERT INTO t (id) VALUES (1)');
    const other = new Database(file, { timeout: 0 });
    const readOnly = new Database(file, { readonly: true });
    try {
      holder.exec('BEGIN IMMEDIATE');
      const busy = await failureOf(() => other.exec('INSERT INTO t (id) VALUES (2)'));
      assert.equal((busy as { code?: string }).code, 'SQLITE_BUSY');
      assert.equal(isStorageUnavailable(busy), true);
      holder.exec('ROLLBACK');

      const unwritable = await failureOf(() => readOnly.exec('INSERT INTO t (id) VALUES (3)'));
      assert.match(String((unwritable as { code?: string }).code), /^SQLITE_READONLY/);
      assert.equal(isStorageUnavailable(unwritable), true);

      const duplicate = await failureOf(() => other.exec('INSERT INTO t (id) VALUES (1)'));
      assert.match(String((duplicate as { code?: string }).code), /^SQLITE_CONSTRAINT/);
      assert.equal(isStorageUnavailable(duplicate), false);
    } finally {
      readOnly.close();
      other.close();
      holder.close();
    }
  });

  it('PostgreSQL driver: nothing listening, no answer within the connect timeout, a connection cut, are', async () => {
    const nobody = await tcpServer(() => {});
    nobody.close();
    const refused = await failureOf(() => new pg.Client({ host: '127.0.0.1', port: nobody.port }).connect());
    assert.equal((refused as { code?: string }).code, 'ECONNREFUSED');
    assert.equal(isStorageUnavailable(refused), true);

    // One connection allowed: the first query waits for a server that never answers, the
    // second for the pool (every connection taken, as under an overload).
    const silent = await tcpServer(() => {});
    const pool = new pg.Pool({ host: '127.0.0.1', port: silent.port, max: 1, connectionTimeoutMillis: 100 });
    try {
      const [connecting, queued] = await Promise.all([
        failureOf(() => pool.query('SELECT 1')),
        failureOf(() => pool.query('SELECT 1')),
      ]);
      assert.equal(connecting.message, 'Connection terminated due to connection timeout');
      assert.equal(isStorageUnavailable(connecting), true);
      assert.equal(queued.message, 'timeout exceeded when trying to connect');
      assert.equal(isStorageUnavailable(queued), true);
    } finally {
      silent.close();
      await pool.end();
    }

    const hangsUp = await tcpServer((socket) => socket.destroy());
    try {
      const cut = await failureOf(() => new pg.Client({ host: '127.0.0.1', port: hangsUp.port }).connect());
      assert.match(cut.message, /^Connection terminated/);
      assert.equal(isStorageUnavailable(cut), true);
    } finally {
      hangsUp.close();
    }
  });

  it('errors of the code or the request are not', () => {
    assert.equal(
      isStorageUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')")),
      false,
    );
    assert.equal(
      isStorageUnavailable(Object.assign(new Error('bad argument'), { code: 'ERR_INVALID_ARG_TYPE' })),
      false,
    );
    assert.equal(isStorageUnavailable('ECONNREFUSED'), false);
    assert.equal(isStorageUnavailable(undefined), false);
  });
});

const postgresUrl = await findTestDatabase();
const skipPostgres = needs(postgresUrl !== undefined, NO_POSTGRES);

describe('which PostgreSQL answers are the storage being unavailable', { skip: skipPostgres }, () => {
  let client: pg.Client;
  before(async () => {
    client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
  });
  after(async () => {
    await client.end().catch(() => {});
  });

  it('a statement timeout, a read-only server and the driver’s query timeout are; a division by zero or a typo is not', async () => {
    await client.query('SET statement_timeout = 20');
    const timedOut = await failureOf(() => client.query('SELECT pg_sleep(1)'));
    await client.query('RESET statement_timeout');
    assert.equal((timedOut as { code?: string }).code, '57014');
    assert.equal(isStorageUnavailable(timedOut), true);

    const readOnly = await failureOf(async () => {
      await client.query('BEGIN READ ONLY');
      try {
        await client.query('CREATE TABLE baton_never_created (id int)');
      } finally {
        await client.query('ROLLBACK');
      }
    });
    assert.equal((readOnly as { code?: string }).code, '25006');
    assert.equal(isStorageUnavailable(readOnly), true);

    const slow = await failureOf(() =>
      client.query({ text: 'SELECT pg_sleep(0.5)', query_timeout: 20 } as pg.QueryConfig),
    );
    assert.equal(slow.message, 'Query read timeout');
    assert.equal(isStorageUnavailable(slow), true);

    const divided = await failureOf(() => client.query('SELECT 1 / 0'));
    assert.equal((divided as { code?: string }).code, '22012');
    assert.equal(isStorageUnavailable(divided), false);
    const typo = await failureOf(() => client.query('SELEC 1'));
    assert.equal((typo as { code?: string }).code, '42601');
    assert.equal(isStorageUnavailable(typo), false);
  });

  it('a connection ended by the server (a restart, a failover) is', async () => {
    const doomed = new pg.Client({ connectionString: postgresUrl });
    doomed.on('error', () => {});
    await doomed.connect();
    const { rows } = await doomed.query('SELECT pg_backend_pid() AS pid');
    const ended = failureOf(() => doomed.query('SELECT pg_sleep(5)'));
    await client.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
    const error = await ended;
    assert.equal((error as { code?: string }).code, '57P01');
    assert.equal(isStorageUnavailable(error), true);
    await doomed.end().catch(() => {});
  });
});

/** The parsed log lines of a server, and how many have `msg`. */
function logLines() {
  const lines: string[] = [];
  return {
    stream: { write: (line: string) => void lines.push(line) },
    count: (msg: string) => lines.filter((line) => JSON.parse(line).msg === msg).length,
    /** The `err` of the lines with `msg`. */
    errors: (msg: string): { message?: string; code?: string }[] =>
      lines.map((line) => JSON.parse(line)).flatMap((entry) => (entry.msg === msg ? [entry.err] : [])),
  };
}

/** What every storage outage answer carries. */
function assertStorageUnavailable(answer: { status: number; headers: Headers; body: unknown }, what: string) {
  assert.equal(answer.status, 503, what);
  assert.equal(answer.headers.get('retry-after'), '5', what);
  assert.equal((answer.body as { code?: string }).code, 'storage_unavailable', what);
  assert.match((answer.body as { detail: string }).detail, /cannot reach its database.*try again/, what);
}

describe('a server whose SQLite file is locked by another process answers 503 and loses nothing', () => {
  it('a refresh that waited 5 s for the lock gets 503 with Retry-After while reads go on; after it, the same refresh token works', async () => {
    const log = logLines();
    const server = await startServer({ logLevel: 'error', logStream: log.stream, rateLimits: false });
    const holder = new Database(path.join(server.dataDir, SQLITE_FILE));
    try {
      const user = await registerUser(server);
      // A backup or an admin tool holding the write lock past the store's 5 s busy timeout.
      holder.exec('BEGIN IMMEDIATE');
      let answered = false;
      const refreshing = server.request('POST', '/auth/refresh', {
        body: { refreshToken: user.refreshToken },
      });
      void refreshing.finally(() => {
        answered = true;
      });
      const read = await server.request('GET', '/todos', { token: user.accessToken });
      // The store waits for the lock between turns of the event loop, by the server's clock.
      while (!answered) {
        server.clock.advance(1000);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const refresh = await refreshing;
      holder.exec('ROLLBACK');
      assertStorageUnavailable(refresh, 'POST /auth/refresh');
      assert.equal(read.status, 200, 'reads do not need the write lock');
      assert.deepEqual(
        log.errors('storage unavailable').map((error) => error.code),
        ['SQLITE_BUSY'],
        'one error line, with the cause',
      );
      assert.equal(log.count('unhandled error'), 0);
      const metrics = await (await fetch(new URL('/metrics', server.url))).text();
      assert.match(
        metrics,
        /^baton_http_requests_total\{method="POST",route="\/auth\/refresh",status="503"\} 1$/m,
      );

      const renewed = await server.request('POST', '/auth/refresh', {
        body: { refreshToken: user.refreshToken },
      });
      assert.equal(renewed.status, 200, 'the refresh token was not spent by the failed attempt');
      const created = await server.request('POST', '/todos', {
        token: renewed.body.accessToken,
        body: { title: 'after the lock' },
      });
      assert.equal(created.status, 201);
    } finally {
      holder.close();
      await server.close();
    }
  });
});

/** A TCP proxy to PostgreSQL that can be cut (a network partition, the database down) and restored. */
async function cuttableProxy(target: URL) {
  let link = await tcpServer((socket) => forward(socket));
  const port = link.port;
  const upstreams = new Set<net.Socket>();
  const forward = (socket: net.Socket) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    upstreams.add(upstream);
    upstream.on('close', () => upstreams.delete(upstream));
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
    socket.pipe(upstream).pipe(socket);
  };
  return {
    port,
    cut() {
      link.close();
      for (const upstream of upstreams) upstream.destroy();
    },
    async restore() {
      link = await tcpServer((socket) => forward(socket), port);
    },
  };
}

describe('a server whose PostgreSQL goes away answers 503 and recovers by itself', {
  skip: skipPostgres,
}, () => {
  let database: TestDatabase;
  before(async () => {
    database = await requireTestDatabase();
  });
  after(async () => {
    await database?.drop();
  });

  it('Baton’s API and the OAuth token endpoint answer 503 with Retry-After while it is cut, and 200 once it is back', async () => {
    const proxy = await cuttableProxy(new URL(database.schemaUrl));
    const url = new URL(database.schemaUrl);
    url.host = `127.0.0.1:${proxy.port}`;
    const log = logLines();
    let server: TestServer | undefined;
    try {
      server = await startServer({
        databaseUrl: url.toString(),
        secret: randomBytes(32).toString('base64url'),
        logLevel: 'error',
        logStream: log.stream,
      });
      const user = await registerUser(server);
      proxy.cut();
      assertStorageUnavailable(
        await server.request('GET', '/todos', { token: user.accessToken }),
        'GET /todos',
      );
      assertStorageUnavailable(
        await server.request('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } }),
        'POST /auth/refresh',
      );
      assertStorageUnavailable(
        await server.request('POST', '/auth/login', { body: { email: user.email, password: GOOD_PASSWORD } }),
        'POST /auth/login',
      );
      const oauth = await fetch(new URL('/oauth/token', server.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: user.refreshToken }),
      });
      assert.equal(oauth.status, 503);
      assert.equal(oauth.headers.get('retry-after'), '5');
      assert.equal(((await oauth.json()) as { error: string }).error, 'temporarily_unavailable');
      assert.equal(log.count('storage unavailable'), 4);
      assert.ok(
        log.errors('storage unavailable').every((error) => error.message),
        'each error line says what failed',
      );
      assert.equal(log.count('unhandled error'), 0);
      const health = await server.request('GET', '/healthz');
      assert.equal(health.status, 200, 'liveness does not depend on the shared database');

      await proxy.restore();
      const renewed = await server.request('POST', '/auth/refresh', {
        body: { refreshToken: user.refreshToken },
      });
      assert.equal(renewed.status, 200, 'the pool connects again, and the refresh token was not spent');
      const list = await server.request('GET', '/todos', { token: renewed.body.accessToken });
      assert.equal(list.status, 200);
    } finally {
      await server?.close();
      proxy.cut();
    }
  });
});
