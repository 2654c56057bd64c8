import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { millisecondsJson } from '../src/logging.js';
import { createSqliteStore } from '../src/store/index.js';
import type { Store } from '../src/store/store.js';
import { GOOD_PASSWORD, registerUser, startServer } from './support/server.js';
import { SERVER_PACKAGE, startServerProcess } from './support/serverProcess.js';

const run = promisify(execFile);

describe('logging', () => {
  it('never writes a password, a token or an Authorization header to the log', async () => {
    const lines: string[] = [];
    const server = await startServer({
      logLevel: 'trace',
      logStream: { write: (line) => void lines.push(line) },
    });
    try {
      const registered = await registerUser(server);
      await server.request('POST', '/auth/login', {
        body: { email: registered.email, password: GOOD_PASSWORD },
      });
      await server.request('POST', '/auth/login', {
        body: { email: registered.email, password: 'wrong password!' },
      });
      const refreshed = await server.request('POST', '/auth/refresh', {
        body: { refreshToken: registered.refreshToken },
      });
      await server.request('GET', '/todos', { token: refreshed.body.accessToken });
      await server.request('GET', '/auth/me', { token: 'garbage.token.value' });
      await server.request('GET', '/todos?access_token=eyJhbGciOiJFUzI1NiJ9.in-a-query&x=1');
      server.app.log.info({ password: 'logged-by-mistake', refreshToken: 'brt_mistake' }, 'a careless line');
    } finally {
      await server.close();
    }
    const log = lines.join('');
    assert.ok(log.includes('"url":"/auth/refresh"'), 'requests were logged at all');
    assert.ok(log.includes('a careless line'));
    assert.ok(
      log.includes('"url":"/todos?[redacted]"'),
      'the path of a request with a query is still logged',
    );
    for (const secret of [
      GOOD_PASSWORD,
      'wrong password!',
      'logged-by-mistake',
      'brt_',
      'Bearer ',
      'garbage.token',
      'in-a-query',
    ]) {
      assert.equal(log.includes(secret), false, `the log contains ${secret}`);
    }
  });
});

describe('the request line', () => {
  it('is one line per answered request, with the request line, the status and the time taken', async () => {
    const lines: string[] = [];
    const server = await startServer({
      logLevel: 'info',
      logStream: { write: (line) => void lines.push(line) },
    });
    try {
      await server.request('GET', '/healthz');
      await server.request('GET', '/todos?page=2');
    } finally {
      await server.close();
    }
    const requestLines = lines.map((line) => JSON.parse(line)).filter((entry) => entry.req !== undefined);
    assert.equal(requestLines.length, 2, 'one line per request, not an "incoming" and a "completed" one');
    const [health, todos] = requestLines;
    assert.equal(health.msg, 'request completed');
    // pino's own line format, like every other line: a log shipper reads them alike.
    const started = lines.map((line) => JSON.parse(line)).find((entry) => entry.req === undefined);
    assert.deepEqual(Object.keys(health).slice(0, 4), ['level', 'time', 'pid', 'hostname']);
    assert.equal(health.level, 30);
    assert.equal(typeof health.time, 'number');
    assert.deepEqual([health.pid, health.hostname], [started.pid, started.hostname]);
    assert.deepEqual([health.req.method, health.req.url, health.res.statusCode], ['GET', '/healthz', 200]);
    assert.equal(typeof health.responseTime, 'number');
    assert.equal(typeof health.reqId, 'string');
    assert.equal(todos.req.url, '/todos?[redacted]');
    assert.equal(todos.res.statusCode, 401);
  });

  it('stays one JSON line whatever the Host header holds, with the time taken to the microsecond', async () => {
    const lines: string[] = [];
    const server = await startServer({
      logLevel: 'info',
      logStream: { write: (line) => void lines.push(line) },
    });
    const host = 'a"b\\c\u00e9}{.example';
    try {
      // fetch sets Host itself; node:http sends the one given.
      await new Promise<void>((resolve, reject) => {
        http
          .get(new URL('/healthz', server.url), { headers: { host } }, (response) => {
            response.resume().on('end', resolve);
          })
          .on('error', reject);
      });
    } finally {
      await server.close();
    }
    const [line] = lines.map((text) => JSON.parse(text)).filter((entry) => entry.req !== undefined);
    assert.equal(line.req.host, host);
    assert.equal(typeof line.req.remotePort, 'number');
    assert.deepEqual(Object.keys(line.req), ['method', 'url', 'host', 'remoteAddress', 'remotePort']);
    assert.ok(line.responseTime > 0 && Number.isInteger(Math.round(line.responseTime * 1000 * 1e6) / 1e6));
  });

  it('writes a time taken as a JSON number to the microsecond', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [0.4567123, '0.457'],
      [0.0004, '0'],
      [0.0096, '0.010'],
      [1.05, '1.050'],
      [12.0004, '12'],
      [999.9996, '1000'],
      [-0.25, '-0.250'],
      [1e300, '1e+300'],
      [-2e12, '-2000000000000'],
      [Number.NaN, 'null'],
      [Number.POSITIVE_INFINITY, 'null'],
    ];
    for (const [ms, json] of cases) {
      assert.equal(millisecondsJson(ms), json, String(ms));
      assert.ok(json === 'null' || Math.abs(JSON.parse(json) - ms) <= 0.0005, String(ms));
    }
  });

  it('an unhandled error line names the request it belongs to (reqId), and the answer is a bare 500', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-log-'));
    const store = createSqliteStore({ filename: path.join(dir, 'baton.sqlite') });
    const failing: Store = {
      ...store,
      async listTodos() {
        throw new Error('the disk is gone');
      },
    };
    const lines: string[] = [];
    const server = await startServer({
      store: failing,
      logLevel: 'info',
      logStream: { write: (line) => void lines.push(line) },
    });
    try {
      const { accessToken } = await registerUser(server);
      const answer = await server.request('GET', '/todos', { token: accessToken });
      assert.equal(answer.status, 500);
      assert.equal(answer.body.code, 'internal_error');
      assert.ok(!JSON.stringify(answer.body).includes('disk'), 'no internals in the answer');
    } finally {
      await server.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
    const entries = lines.map((line) => JSON.parse(line));
    const error = entries.find((entry) => entry.msg === 'unhandled error');
    const requestLine = entries.find((entry) => entry.req?.url === '/todos');
    assert.ok(error && requestLine, 'an error line and a request line');
    assert.equal(error.reqId, requestLine.reqId);
    assert.equal(error.err.message, 'the disk is gone');
  });

  it('is not written at level warn', async () => {
    const lines: string[] = [];
    const server = await startServer({
      logLevel: 'warn',
      logStream: { write: (line) => void lines.push(line) },
    });
    try {
      await server.request('GET', '/healthz');
    } finally {
      await server.close();
    }
    assert.equal(lines.filter((line) => line.includes('request completed')).length, 0);
  });
});

describe('log lines for people and for machines', () => {
  /** The output lines of a server process that answered one request, by what they contain. */
  const linesOf = async (env: Record<string, string>) => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-log-'));
    const server = await startServerProcess({ BATON_LOG_LEVEL: 'info', BATON_DATA_DIR: dataDir, ...env });
    await fetch(`${server.url}/healthz`);
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    const lines = server.output().split('\n');
    return (text: string) => lines.find((line) => line.includes(text)) ?? '';
  };
  const firstLine = async (env: Record<string, string>) => (await linesOf(env))('listening');

  it('a start and a request print no warning (a deprecated Fastify option did, at every start)', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-log-'));
    const server = await startServerProcess({ BATON_LOG_LEVEL: 'info', BATON_DATA_DIR: dataDir });
    await fetch(`${server.url}/healthz`);
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    assert.doesNotMatch(server.output(), /Warning|Deprecat/);
  });

  it('JSON lines when standard output is not a terminal (a log shipper reads them)', async () => {
    const line = await firstLine({});
    assert.equal(JSON.parse(line).level, 30);
  });

  it('readable lines with BATON_LOG_FORMAT=pretty (the default when standard output is a terminal)', async () => {
    const line = await firstLine({ BATON_LOG_FORMAT: 'pretty' });
    assert.throws(() => JSON.parse(line));
    assert.match(line, /^\[\d\d:\d\d:\d\d\] .*INFO.*: .*Server listening at http:\/\/127\.0\.0\.1:\d+/);
  });

  it('the request line is readable too with BATON_LOG_FORMAT=pretty', async () => {
    const line = (await linesOf({ BATON_LOG_FORMAT: 'pretty' }))('request completed');
    assert.throws(() => JSON.parse(line));
    assert.match(
      line,
      /^\[\d\d:\d\d:\d\d\] .*INFO.*: .*request completed .*"url":"\/healthz".*"statusCode":200/,
    );
  });

  it('pretty lines come out in the order they were logged while the thread pool is busy', async () => {
    // One pool thread, taken by a long key derivation: a line handed to the pool would wait there
    // while the next one overtook it.
    const script = `
      import { pbkdf2 } from 'node:crypto';
      import { createLoggers } from './src/logging.ts';
      const { app } = await createLoggers('info', 'pretty');
      const turn = () => new Promise((resolve) => setImmediate(resolve));
      app.info('line 1');
      await turn();
      pbkdf2('password', 'salt', 300000, 32, 'sha256', () => {});
      app.info('line 2');
      await new Promise((resolve) => setTimeout(resolve, 20));
      app.info('line 3');
      await turn();
      process.exit(0);`;
    const { stdout } = await run(
      process.execPath,
      ['--conditions=@baton/source', '--import', 'tsx', '--input-type=module', '--eval', script],
      { cwd: SERVER_PACKAGE, env: { ...process.env, UV_THREADPOOL_SIZE: '1' } },
    );
    const lines = stdout.split('\n').filter((line) => line.includes('line '));
    assert.deepEqual(
      lines.map((line) => line.replace(/^.*(line \d)$/, '$1')),
      ['line 1', 'line 2', 'line 3'],
    );
  });
});
