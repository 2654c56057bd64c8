/**
 * SQLite-only guarantees the shared conformance suite cannot express: what survives a close or a
 * kill -9, and what happens when several connections (worker threads here, processes in
 * production) use one file at the same instant.
 *
 * This file is also its own worker and child-process entry point (see the bottom), so the
 * helpers run the real store code under the same loader as the tests.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { createSqliteStore, MIGRATIONS, type RotationResult, type Store } from '../src/store/index.js';

const WRITER_ROLE = 'BATON_TEST_SQLITE_WRITER';

interface WorkerJob {
  readonly role: 'migrate' | 'rotate';
  readonly filename: string;
  /** One Int32 flag the workers block on, so they all start their work at the same instant. */
  readonly gate: SharedArrayBuffer;
  readonly tokenHash: string;
  readonly attempts: number;
}

const tempDir = () => mkdtemp(path.join(os.tmpdir(), 'baton-sqlite-'));

const newUser = (store: Store, key: string) =>
  store.createUser({
    id: randomUUID(),
    email: key,
    emailKey: key,
    name: null,
    passwordHash: 'h',
    createdAt: 1,
  });

/** Starts `count` workers on `job`, releases them together, and collects what each reports. */
async function runWorkers<T>(count: number, job: Omit<WorkerJob, 'gate'>): Promise<T[]> {
  const gate = new SharedArrayBuffer(4);
  // A worker does not inherit the parent's `--import tsx` hooks, so it registers them itself
  // before loading this very file as its entry point.
  const bootstrap = `const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))});
register();
await import(${JSON.stringify(import.meta.url)});`;
  const entry = new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`);
  const workers = Array.from({ length: count }, () => new Worker(entry, { workerData: { ...job, gate } }));
  const settle = (worker: Worker, kind: 'ready' | 'result') =>
    new Promise<T>((resolve, reject) => {
      worker.on('message', (message: { kind: string; result?: T }) => {
        if (message.kind === kind) resolve(message.result as T);
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before its ${kind}`)));
    });
  try {
    const results = workers.map((worker) => settle(worker, 'result'));
    // Don't let a failure before the gate opens surface as an unhandled rejection.
    for (const result of results) result.catch(() => undefined);
    await Promise.all(workers.map((worker) => settle(worker, 'ready')));
    const released = new Int32Array(gate);
    Atomics.store(released, 0, 1);
    Atomics.notify(released, 0);
    return await Promise.all(results);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

if (!isMainThread) {
  const job = workerData as WorkerJob;
  const waitAtGate = () => {
    parentPort?.postMessage({ kind: 'ready' });
    Atomics.wait(new Int32Array(job.gate), 0, 0);
  };
  if (job.role === 'migrate') {
    // Open after the gate too, so even switching the fresh file to WAL races.
    waitAtGate();
    const store = createSqliteStore({ filename: job.filename });
    await store.migrate();
    await store.close();
    parentPort?.postMessage({ kind: 'result', result: 'migrated' });
  } else {
    const store = createSqliteStore({ filename: job.filename });
    waitAtGate();
    const statuses: RotationResult['status'][] = [];
    const successors: string[] = [];
    for (let attempt = 0; attempt < job.attempts; attempt++) {
      const successorHash = `succ-${randomUUID()}`;
      successors.push(successorHash);
      const result = await store.rotateRefreshToken({
        tokenHash: job.tokenHash,
        successorHash,
        successorBox: null,
        consumedBy: `process-${process.pid}`,
        now: 2,
        idleExpiresAt: 1e13,
      });
      statuses.push(result.status);
    }
    await store.close();
    parentPort?.postMessage({ kind: 'result', result: { statuses, successors } });
  }
} else if (process.env[WRITER_ROLE]) {
  // Child process: acknowledge each committed user on stdout until killed (or a safety cap).
  const store = createSqliteStore({ filename: process.env[WRITER_ROLE] });
  await store.migrate();
  for (let index = 0; index < 20_000; index++) {
    await newUser(store, `user${index}@example.com`);
    process.stdout.write(`ack ${index}\n`);
  }
} else {
  describe('SQLite store on disk', () => {
    it('keeps what it acknowledged across a close and reopen', async () => {
      const dir = await tempDir();
      const filename = path.join(dir, 'nested', 'baton.sqlite');
      try {
        const first = createSqliteStore({ filename });
        await first.migrate();
        const user = await newUser(first, 'keep@example.com');
        const { session } = {
          session: {
            id: randomUUID(),
            userId: user.id,
            createdAt: 1,
            idleExpiresAt: 9,
            expiresAt: 9,
            userAgent: null,
            ip: null,
          },
        };
        await first.createSession(session, 'token');
        await first.close();
        const second = createSqliteStore({ filename });
        await second.migrate();
        assert.deepEqual(await second.findUserById(user.id), user);
        assert.equal((await second.findRefreshToken('token'))?.sessionId, session.id);
        await second.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('keeps every acknowledged write when the writing process is killed with SIGKILL', async (t) => {
      const dir = await tempDir();
      const filename = path.join(dir, 'baton.sqlite');
      try {
        const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
          env: { ...process.env, [WRITER_ROLE]: filename },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const exited = new Promise((resolve) => child.once('exit', resolve));
        let acknowledged = -1;
        const startedAt = performance.now();
        for await (const line of createInterface({ input: child.stdout })) {
          acknowledged = Number(line.slice('ack '.length));
          if (acknowledged >= 199) break;
        }
        const elapsed = performance.now() - startedAt;
        child.kill('SIGKILL');
        await exited;
        t.diagnostic(`${acknowledged + 1} durable commits in ${elapsed.toFixed(0)} ms before kill -9`);
        assert.equal(acknowledged, 199);
        const db = new Database(filename);
        assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
        db.close();
        const store = createSqliteStore({ filename });
        for (let index = 0; index <= acknowledged; index++) {
          assert.ok(
            await store.findUserByEmailKey(`user${index}@example.com`),
            `acknowledged user ${index} survived`,
          );
        }
        await store.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('lets four connections migrate one fresh file at the same instant', async () => {
      const dir = await tempDir();
      const filename = path.join(dir, 'baton.sqlite');
      try {
        const results = await runWorkers<string>(4, {
          role: 'migrate',
          filename,
          tokenHash: '',
          attempts: 0,
        });
        assert.deepEqual(results, ['migrated', 'migrated', 'migrated', 'migrated']);
        const db = new Database(filename, { readonly: true });
        const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
        assert.deepEqual(
          versions,
          MIGRATIONS.map((migration) => migration.version),
        );
        assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
        db.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('lets exactly one of 40 rotations from four connections on one file win', async () => {
      const dir = await tempDir();
      const filename = path.join(dir, 'baton.sqlite');
      const store = createSqliteStore({ filename });
      try {
        await store.migrate();
        const user = await newUser(store, 'race@example.com');
        const session = {
          id: randomUUID(),
          userId: user.id,
          createdAt: 1,
          idleExpiresAt: 1e13,
          expiresAt: 1e13,
          userAgent: null,
          ip: null,
        };
        await store.createSession(session, 'first');
        const reports = await runWorkers<{ statuses: string[]; successors: string[] }>(4, {
          role: 'rotate',
          filename,
          tokenHash: 'first',
          attempts: 10,
        });
        const statuses = reports.flatMap((report) => report.statuses);
        assert.equal(statuses.length, 40);
        assert.equal(statuses.filter((status) => status === 'rotated').length, 1);
        assert.equal(statuses.filter((status) => status === 'already_used').length, 39);
        const successors = reports.flatMap((report) => report.successors);
        const stored = await Promise.all(successors.map((hash) => store.findRefreshToken(hash)));
        assert.equal(stored.filter(Boolean).length, 1, 'exactly one successor exists');
      } finally {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
