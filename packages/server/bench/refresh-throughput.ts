/**
 * Durable refreshes per second on SQLite vs PostgreSQL: a real `baton serve` process per store,
 * N concurrent refresh chains (each waits for its answer before presenting the successor), for a
 * fixed time each. Every counted refresh was committed (SQLite synchronous=FULL, PostgreSQL's
 * default synchronous_commit=on) before its 200. Not a test; loopback only; stops by itself.
 *
 *   node --import tsx packages/server/bench/refresh-throughput.ts [--chains 16] [--seconds 5]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    chains: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '5' },
    database: {
      type: 'string',
      default: process.env.BATON_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
  },
});
const CHAINS = Number(values.chains);
const SECONDS = Number(values.seconds);
const PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as net.AddressInfo;
  probe.close();
  return port;
}

async function serve(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--conditions=@baton/source', '--import', 'tsx', 'src/cli.ts', 'serve'],
    {
      cwd: PACKAGE,
      env: {
        ...process.env,
        ...env,
        BATON_PORT: String(port),
        BATON_LOG_LEVEL: 'warn',
        BATON_RATE_LIMITS: 'off',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; tries < 300; tries++) {
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error('server did not start');
}

async function post(
  url: string,
  body: unknown,
): Promise<{ status: number; body: { refreshToken?: string } }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { refreshToken?: string } };
}

/** Runs CHAINS refresh chains against `url` for SECONDS; returns refreshes per second. */
async function measure(url: string): Promise<{ perSecond: number; errors: number }> {
  const tokens = await Promise.all(
    Array.from({ length: CHAINS }, async (_, index) => {
      const email = `bench.${index}.${randomBytes(4).toString('hex')}@example.com`;
      const registered = await post(`${url}/auth/register`, {
        email,
        password: 'correct horse battery staple',
      });
      if (registered.status !== 201) throw new Error(`register failed: ${registered.status}`);
      return String(registered.body.refreshToken);
    }),
  );
  let done = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    tokens.map(async (first) => {
      let token = first;
      while (performance.now() < deadline) {
        const answer = await post(`${url}/auth/refresh`, { refreshToken: token });
        if (answer.status !== 200 || !answer.body.refreshToken) {
          errors++;
          return;
        }
        token = answer.body.refreshToken;
        done++;
      }
    }),
  );
  return { perSecond: done / ((performance.now() - started) / 1000), errors };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

const results: Record<string, string> = {};

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-bench-'));
try {
  const sqlite = await serve({ BATON_DATA_DIR: dataDir });
  const result = await measure(sqlite.url).finally(() => stop(sqlite.child));
  results.sqlite = `${result.perSecond.toFixed(0)} refreshes/s (${result.errors} errors)`;
} finally {
  await rm(dataDir, { recursive: true, force: true });
}

const schema = `baton_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: values.database, connectionTimeoutMillis: 1500 });
try {
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(values.database);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const pgDir = await mkdtemp(path.join(os.tmpdir(), 'baton-bench-pg-'));
  try {
    const server = await serve({
      BATON_DATABASE_URL: url.toString(),
      BATON_SECRET: randomBytes(32).toString('base64url'),
      BATON_DATA_DIR: pgDir,
    });
    const result = await measure(server.url).finally(() => stop(server.child));
    results.postgres = `${result.perSecond.toFixed(0)} refreshes/s (${result.errors} errors)`;
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await rm(pgDir, { recursive: true, force: true });
  }
} catch (error) {
  results.postgres = `skipped: ${error instanceof Error ? error.message : String(error)}`;
} finally {
  await admin.end().catch(() => {});
}

console.log(`durable refreshes, ${CHAINS} concurrent chains, ${SECONDS} s each, one server process:`);
for (const [store, line] of Object.entries(results)) console.log(`  ${store.padEnd(9)} ${line}`);
