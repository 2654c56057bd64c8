import type Database from 'better-sqlite3';
import type { StoreFailedError } from '../failed.js';
import { atSynchronous, BUSY_TIMEOUT_MS, isBusy, withoutBusyWait } from './database.js';
import { OffLoopCheckpoint } from './offLoopCheckpoint.js';
import { type WalSync, walFileSync } from './walSync.js';

interface Pending {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * How often a group commit asks again for the write lock that another connection holds, in ms.
 * Each try is one failed `BEGIN IMMEDIATE` (microseconds); in between, the event loop serves.
 */
export const LOCK_RETRY_MS = 5;

type Outcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

/**
 * Group commit for SQLite: the writes requested during one turn of the event loop run in one
 * IMMEDIATE transaction, each inside its own savepoint, and share a single fsync. While the WAL is
 * being flushed, writes are held and committed together when that flush ends: committed earlier,
 * they would wait for the next flush all the same, but in more, smaller transactions.
 *
 * The connection runs at `synchronous = FULL`: every commit waits for an fsync, and better-sqlite3
 * waits on the event loop, so a commit would stall every other request for the disk's flush time
 * (1 ms here, 2-10 ms on a cloud volume). A group commit instead commits at `NORMAL` (WAL frames
 * written, not flushed; WAL mode stays consistent, and checkpoints still sync), then flushes the
 * WAL with `fdatasync` on the thread pool ({@link WalSync}) while the event loop serves others, and
 * settles its writes only after that flush. Batching keeps each write's meaning (a write that
 * throws rolls back only its own savepoint and rejects only its own promise) and its durability
 * (no promise settles before the commit that contains it is on disk), and pays one fsync per turn,
 * or fewer.
 *
 * When another connection (the CLI, a backup tool, a second process) holds the write lock, the
 * group does not wait for it inside SQLite, whose busy handler sleeps on the event loop and would
 * stall every request for as long as the lock is held: it asks again every {@link LOCK_RETRY_MS}
 * ms, serving requests in between, with later writes joining it, and fails with SQLITE_BUSY only
 * once the lock has been out of reach for the busy timeout (5 s), as SQLite itself would.
 *
 * Other readers of the connection can see a group's writes during its flush. A read whose answer
 * hands out a credential must not act on them: it waits for {@link GroupCommit.durable} (the
 * store's `findRefreshToken` does, for the grace window's walk along a chain).
 */
export class GroupCommit {
  #batch: Pending[] = [];
  readonly #db: Database.Database;
  readonly #inSavepoint: (work: () => unknown) => unknown;
  readonly #commit: Database.Transaction<(batch: readonly Pending[]) => Outcome[]>;
  readonly #wal: WalSync | undefined;
  readonly #checkpoint: OffLoopCheckpoint | undefined;
  /** Group commits made, and of those the ones known to be on disk (counted in order). */
  #committed = 0;
  #flushed = 0;
  #closing = false;
  /** A flush of the WAL is running, and the batch is committed when it ends. */
  #heldForFlush = false;
  readonly #now: () => number;
  /** When the waiting batch first found the write lock taken by another connection. */
  #lockedOutSince: number | undefined;
  /** The next try for the write lock, while one is due: settles once it was made. */
  #lockRetry: Promise<void> | undefined;

  /**
   * `wal`: how commits reach the disk; by default the WAL file of `db` is flushed on the thread
   * pool. Without a WAL (an in-memory database, a file system where SQLite could not enable WAL
   * mode) each group commit is flushed by SQLite itself, on the event loop. `checkpoint`: the
   * checkpoints made between group commits, whose flush runs on the thread pool (by default on
   * `db`'s file whenever it has a WAL). `now`: the clock, in ms, of the wait for a write lock that
   * another connection holds.
   */
  constructor(
    db: Database.Database,
    wal: WalSync | undefined = defaultWalSync(db),
    checkpoint: OffLoopCheckpoint | undefined = defaultCheckpoint(db),
    now: () => number = Date.now,
  ) {
    this.#db = db;
    this.#now = now;
    this.#wal = wal;
    this.#checkpoint = checkpoint;
    // A transaction function called inside another transaction runs as a savepoint.
    this.#inSavepoint = db.transaction((work: () => unknown) => work());
    this.#commit = db.transaction((batch: readonly Pending[]) =>
      batch.map((item): Outcome => {
        try {
          return { ok: true, value: this.#inSavepoint(item.work) };
        } catch (error) {
          // Some errors (disk full, I/O) make SQLite roll back the whole transaction itself; the
          // items after this one would then each commit on their own. Fail the batch instead.
          if (!db.inTransaction) throw error;
          return { ok: false, error };
        }
      }),
    );
  }

  /**
   * Runs `work` (synchronous statements on this database) in the next group commit and resolves
   * with its result once that transaction is durable; rejects with what `work` threw, or with the
   * error that failed the whole commit or its flush.
   */
  run<T>(work: () => T): Promise<T> {
    if (this.#closing) return Promise.reject(new Error('the store is closed'));
    return new Promise<T>((resolve, reject) => {
      const first = this.#batch.push({ work, resolve: resolve as (value: unknown) => void, reject }) === 1;
      if (first) setImmediate(this.flush);
    });
  }

  /**
   * Commits what is pending (once the WAL flush that is running, if any, ends); its writers are
   * answered once it is on disk.
   */
  readonly flush = (): void => {
    if (this.#batch.length === 0) return;
    const wal = this.#wal;
    // Committed now, the batch would wait for the next flush anyway, and the writes arriving
    // until then would need transactions of their own: one transaction each time the disk is free
    // writes each shared page (an index's right edge, a hot session) once for all of them. With 16
    // concurrent refresh chains: 7.0-7.6 writes a transaction instead of 4.8-5.2, a fifth fewer
    // fsyncs, 4-8% less CPU a rotation. Closing commits at once: nothing may be left waiting.
    if (wal?.busy && !this.#closing) {
      if (this.#heldForFlush) return;
      this.#heldForFlush = true;
      void wal.idle().then(() => {
        this.#heldForFlush = false;
        this.flush();
      });
      return;
    }
    const batch = this.#batch;
    this.#batch = [];
    // The wait for another connection's write lock belongs to this batch: #waitForLock hands it
    // back only while the batch waits on.
    const lockedOutSince = this.#lockedOutSince;
    this.#lockedOutSince = undefined;
    const failAll = (error: unknown) => {
      for (const item of batch) item.reject(error);
    };
    // After a failed flush nothing more is committed unflushed: the writes would be visible, and
    // spend tokens, with no one answered.
    const refusal = this.failure ?? (this.#db.open ? undefined : new Error('the store is closed'));
    if (refusal !== undefined) {
      failAll(refusal);
      return;
    }
    // No WAL flush runs, and every group committed so far has been flushed: the WAL is on disk,
    // so its frames may be copied into the database file (see OffLoopCheckpoint).
    const durablePoint = wal && !wal.busy && this.#flushed === this.#committed;
    if (durablePoint && lockedOutSince === undefined) this.#checkpoint?.committed();
    let outcomes: Outcome[];
    try {
      // The WAL flush is ours, on the thread pool: SQLite need not fsync this commit itself.
      outcomes = withoutBusyWait(this.#db, () =>
        wal
          ? atSynchronous(this.#db, 'NORMAL', () => this.#commit.immediate(batch))
          : this.#commit.immediate(batch),
      );
    } catch (error) {
      // Refused at BEGIN, before any write ran: the whole batch can wait for the lock.
      if (isBusy(error) && !this.#db.inTransaction && this.#waitForLock(batch, lockedOutSince)) return;
      failAll(error);
      return;
    }
    const settle = () =>
      outcomes.forEach((outcome, index) => {
        const item = batch[index] as Pending;
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(outcome.error);
      });
    if (!wal) {
      settle();
      return;
    }
    // Written but not yet durable: answers wait for the flush; a failed flush fails them all.
    const commit = ++this.#committed;
    wal.sync().then(() => {
      this.#flushed = Math.max(this.#flushed, commit);
      settle();
    }, failAll);
  };

  /**
   * Puts `batch` back, ahead of the writes that came meanwhile, and asks for the write lock again
   * in {@link LOCK_RETRY_MS} ms; false once it has been out of reach for the busy timeout, counted
   * from `lockedOutSince` (the batch's first refusal; now when this is its first).
   */
  #waitForLock(batch: Pending[], lockedOutSince: number | undefined): boolean {
    const now = this.#now();
    const since = lockedOutSince ?? now;
    if (now - since >= BUSY_TIMEOUT_MS) return false;
    this.#lockedOutSince = since;
    this.#batch = [...batch, ...this.#batch];
    this.#lockRetry ??= new Promise<void>((resolve) =>
      setTimeout(() => {
        this.#lockRetry = undefined;
        this.flush();
        resolve();
      }, LOCK_RETRY_MS),
    );
    return true;
  }

  /**
   * Resolves once every group committed so far is on disk: at once when none waits for its flush.
   * Rejects when a flush failed.
   */
  async durable(): Promise<void> {
    if (!this.#wal || this.#flushed === this.#committed) return;
    const commit = this.#committed;
    await this.#wal.sync();
    this.#flushed = Math.max(this.#flushed, commit);
  }

  /**
   * Commits what is pending (a group waiting for another connection's write lock: once it has
   * the lock, or has given up) and refuses later writes, then waits until every commit is on disk
   * and releases the WAL file.
   */
  async close(): Promise<void> {
    this.#closing = true;
    this.flush();
    // A group waiting for another connection's write lock commits, or gives up, first.
    while (this.#lockRetry) await this.#lockRetry;
    await this.#wal?.close();
    await this.#checkpoint?.close();
  }

  /**
   * The failed flush (of the WAL, or of a checkpoint) after which this group commit refuses every
   * write, until the process restarts; undefined while none failed.
   */
  get failure(): StoreFailedError | undefined {
    return this.#wal?.failure?.error ?? this.#checkpoint?.failure?.error;
  }

  /** Writes waiting for the next commit. */
  get pending(): number {
    return this.#batch.length;
  }
}

/** The WAL file's sync when `db` has one (next to the database's real path: SQLite follows links). */
function defaultWalSync(db: Database.Database): WalSync | undefined {
  const file = walModeFile(db);
  return file ? walFileSync(`${file}-wal`) : undefined;
}

/** Checkpoints flushed on the thread pool when `db` has a WAL. */
function defaultCheckpoint(db: Database.Database): OffLoopCheckpoint | undefined {
  const file = walModeFile(db);
  return file ? new OffLoopCheckpoint(db, file) : undefined;
}

/** The real path of `db`'s file when it is in WAL mode. */
function walModeFile(db: Database.Database): string | undefined {
  if (db.memory || db.pragma('journal_mode', { simple: true }) !== 'wal') return undefined;
  const main = (db.pragma('database_list') as { name: string; file: string }[]).find(
    (database) => database.name === 'main',
  );
  return main?.file || undefined;
}
