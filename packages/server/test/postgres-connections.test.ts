import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { inTransaction, openPool, query } from '../src/store/postgres/database.js';
import { findTestDatabase, NO_POSTGRES, requireTestDatabase, type TestDatabase } from './support/postgres.js';
import { needs } from './support/runtime.js';

const skip = needs((await findTestDatabase()) !== undefined, NO_POSTGRES);

describe('which failures cost the store a PostgreSQL connection', { skip }, () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let admin: pg.Client;
  /** The backend process behind the pool's one connection. */
  const backend = async () =>
    (await query<{ pid: number }>(pool, 'SELECT pg_backend_pid() AS pid')).rows[0]?.pid;

  before(async () => {
    database = await requireTestDatabase();
    pool = openPool({ connectionString: database.url, schema: database.schema, max: 1 });
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await query(pool, 'CREATE TABLE keys (id int PRIMARY KEY)');
    await query(pool, 'INSERT INTO keys (id) VALUES (1)');
  });
  after(async () => {
    await admin?.end();
    await pool?.end();
    await database?.drop();
  });

  it('none when PostgreSQL refuses a statement: the same backend serves the next one', async () => {
    const before = await backend();
    await assert.rejects(query(pool, 'INSERT INTO keys (id) VALUES (1)'), { code: '23505' });
    await assert.rejects(query(pool, 'SELECT 1 / 0'), { code: '22012' });
    assert.equal(await backend(), before);
  });

  it('none when a transaction fails for a reason of the code, once it is rolled back', async () => {
    const before = await backend();
    await assert.rejects(
      inTransaction(pool, async (client) => {
        await client.query('INSERT INTO keys (id) VALUES (2)');
        throw new Error('the caller changed its mind');
      }),
      /changed its mind/,
    );
    assert.equal(await backend(), before);
    const { rows } = await query(pool, 'SELECT id FROM keys ORDER BY id');
    assert.deepEqual(
      rows.map((row) => row.id),
      [1],
      'rolled back',
    );
  });

  it('the connection when its backend is terminated: the next statement gets a new one and works', async () => {
    const before = await backend();
    // Expected at once: the failure may arrive while the test still awaits the termination.
    const ended = assert.rejects(query(pool, 'SELECT pg_sleep(5)'), { code: '57P01' });
    // Terminated before its statement arrives, the backend's farewell reaches an idle connection,
    // not the statement: wait until the statement runs.
    const sleeping = async () =>
      (
        await admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND query LIKE 'SELECT pg_sleep%'", [
          before,
        ])
      ).rowCount === 1;
    for (let tries = 0; tries < 500 && !(await sleeping()); tries++);
    await admin.query('SELECT pg_terminate_backend($1)', [before]);
    await ended;
    const after = await backend();
    assert.ok(after !== undefined && after !== before, 'a new backend');
  });

  // The severity a client reads is translated with the server's lc_messages (FATALE, PANIK,
  // ВАЖНО); only the SQLSTATE is not. The proxy translates as an Italian server would, and in the
  // second case also sends the termination with the code of PostgreSQL 17's transaction timeout
  // (25P04, FATAL too), which this PostgreSQL does not have.
  for (const ending of [
    { code: '57P01', why: 'terminated' },
    { code: '25P04', why: 'ended by a transaction timeout (PostgreSQL 17)' },
  ]) {
    it(`the connection whose backend is ${ending.why}, from a server that speaks Italian (FATALE)`, async () => {
      const italian = await translatingProxy(new URL(database.url), {
        S: { FATAL: 'FATALE', ERROR: 'ERRORE' },
        C: { '57P01': ending.code },
      });
      const url = new URL(database.url);
      url.host = `127.0.0.1:${italian.port}`;
      const translated = openPool({ connectionString: url.toString(), schema: database.schema, max: 1 });
      try {
        const pidOf = async () =>
          (await query<{ pid: number }>(translated, 'SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
        const before = await pidOf();
        await assert.rejects(query(translated, 'SELECT 1 / 0'), { code: '22012', severity: 'ERRORE' });
        assert.equal(await pidOf(), before, 'a refused statement keeps its connection in any language');
        const ended = assert.rejects(query(translated, 'SELECT pg_sleep(5)'), {
          code: ending.code,
          severity: 'FATALE',
        });
        for (let tries = 0; tries < 500 && !(await sleepingIn(before)); tries++);
        await admin.query('SELECT pg_terminate_backend($1)', [before]);
        await ended;
        // Handed back, the dead connection would fail this statement: "Connection terminated".
        const after = await pidOf();
        assert.ok(after !== undefined && after !== before, 'a new backend');
      } finally {
        await translated.end();
        italian.close();
      }
    });
  }

  /** Whether the backend `pid` runs the test's `pg_sleep` (terminated before it, its farewell reaches an idle connection). */
  const sleepingIn = async (pid: number | undefined) =>
    (
      await admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND query LIKE 'SELECT pg_sleep%'", [
        pid,
      ])
    ).rowCount === 1;
});

/**
 * A TCP proxy to PostgreSQL that rewrites fields of the server's error and notice messages (the
 * severity `S`, the code `C`) through `rewrites`, as a server with another `lc_messages` sends them. Each message
 * is a type byte and a length that counts itself; the server sends nothing else after start-up
 * (the client asks for no TLS).
 */
async function translatingProxy(
  target: URL,
  rewrites: Readonly<Record<'S' | 'C', Readonly<Record<string, string>>>>,
) {
  const sockets = new Set<net.Socket>();
  const translate = (message: Buffer): Buffer => {
    const type = String.fromCharCode(message[0] ?? 0);
    if (type !== 'E' && type !== 'N') return message;
    const fields = message
      .subarray(5, message.length - 1)
      .toString('utf8')
      .split('\0')
      .map((field) => {
        const type = field[0] as 'S' | 'C';
        const rewrite = rewrites[type]?.[field.slice(1)];
        return rewrite === undefined ? field : `${type}${rewrite}`;
      });
    const body = Buffer.from(`${fields.join('\0')}\0\0`, 'utf8');
    const head = Buffer.alloc(5);
    head.write(type, 0, 'latin1');
    head.writeUInt32BE(body.length + 4, 1);
    return Buffer.concat([head, body]);
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    let pending = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 5) {
        const size = pending.readUInt32BE(1) + 1;
        if (pending.length < size) break;
        client.write(translate(pending.subarray(0, size)));
        pending = pending.subarray(size);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close() {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}
