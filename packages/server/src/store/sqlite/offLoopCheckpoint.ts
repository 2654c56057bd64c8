import Database from 'better-sqlite3';
import { StoreFailedError } from '../failed.js';
import { atSynchronous } from './database.js';
import { type FileFlush, fileFlush } from './walSync.js';

/**
 * Durable points (group commits) from the end of one copy's flush to the next copy. Counted from
 * the flush's end, not the copy's start, so that SQLite's own checkpoint always meets a commit with
 * no guard held, however slow the disk: were the guard held at every commit, the WAL could never
 * start over and would grow without end. Two and six measured alike in `npm run ab` (8 rounds:
 * 2,012 and 1,813 rotations/s, p99 13.5 and 14.6 ms, inside the rounds' spread); the fewer, the
 * less SQLite's own checkpoint has left to flush on the event loop.
 */
export const COMMITS_PER_COPY = 2;

/** The second connection whose read snapshot keeps SQLite from starting the WAL over. */
interface Guard {
  readonly begin: () => void;
  readonly end: () => void;
  readonly close: () => void;
}

interface CheckpointRow {
  readonly busy: number;
  readonly log: number;
  readonly checkpointed: number;
}

/**
 * WAL checkpoints whose disk flush runs on the thread pool, not on the event loop.
 *
 * SQLite checkpoints a WAL by itself once it holds 1,000 frames: inside the commit that crossed
 * the mark, on the event loop, it copies the frames into the database file and fsyncs that file.
 * The copy is cheap; the fsync of a few megabytes of scattered pages is not: 10-20 ms here, about
 * ten times a second under 2,000 refreshes/s, with every request waiting. With this class, under
 * that load, a protected GET's p99 fell from 15.7 to 7.6 ms at the same rotation rate (packages/
 * server/README.md, "Checkpoints flush off the event loop too").
 *
 * {@link OffLoopCheckpoint.committed} does most of that work early and without the wait. On the event loop,
 * at `synchronous = OFF`, it copies the frames into the database file (page cache only), then
 * flushes the file with `fdatasync` on the thread pool. Until that flush ends, the WAL must not be
 * rewritten from its start: those frames are the only durable copy of the pages. SQLite restarts
 * a WAL only when no reader holds a snapshot in it, so a second connection (the guard) holds a read
 * transaction from before the copy until the flush ends. Writes go on meanwhile and append.
 *
 * SQLite's own checkpoint stays on: when it comes, nearly every frame is copied and on disk, so
 * its fsync on the event loop writes only the few pages changed since the last flush, and it lets
 * the WAL start over. After a crash SQLite rebuilds its index of the WAL and counts no frame as
 * copied (that count lives in shared memory only), so every frame is copied again. A flush that
 * failed keeps the guard (the WAL keeps the pages the kernel may have dropped) and is reported
 * through {@link OffLoopCheckpoint.failure}, a {@link StoreFailedError}.
 */
export class OffLoopCheckpoint {
  readonly #db: Database.Database;
  readonly #path: string;
  readonly #file: FileFlush;
  #guard: Guard | undefined;
  #flushing: Promise<void> | undefined;
  #failure: { readonly error: StoreFailedError } | undefined;
  #closed = false;
  #commitsSinceCopy = 0;
  /** Copies made whose flush ended, for tests. */
  #copies = 0;

  /**
   * `db`: the serving connection, in WAL mode, on the database file at `path` (its real path);
   * `file`: how that file is flushed (by default `fdatasync` on the thread pool).
   */
  constructor(db: Database.Database, path: string, file: FileFlush = fileFlush(path)) {
    this.#db = db;
    this.#path = path;
    this.#file = file;
  }

  /**
   * Counts a durable point (a group commit about to start, with every earlier one on disk); at the
   * {@link COMMITS_PER_COPY}th since the last copy's flush ended, copies the WAL into the database
   * file and flushes that file on the thread pool. Call only when every commit in the WAL is on
   * disk (no WAL flush running or due): a frame copied before its commit is durable could reach
   * the database file and outlive a crash that loses the commit. Does nothing while the previous
   * copy's flush runs, after a failed one, or after {@link close}.
   */
  committed(): void {
    if (this.#flushing || this.#failure || this.#closed || !this.#db.open) return;
    this.#commitsSinceCopy++;
    if (this.#commitsSinceCopy < COMMITS_PER_COPY) return;
    this.#commitsSinceCopy = 0;
    let guard: Guard;
    try {
      guard = this.#openGuard();
      guard.begin();
    } catch {
      // No snapshot, no copy: SQLite's own checkpoint does the work this time, as without us.
      return;
    }
    let row: CheckpointRow | undefined;
    try {
      [row] = atSynchronous(
        this.#db,
        'OFF',
        () => this.#db.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[],
      );
    } catch {
      // Nothing was marked copied (SQLite records progress only after a copy succeeds): the next
      // checkpoint, ours or SQLite's own, retries the same copy. SQLite's own ignores a failure.
      guard.end();
      return;
    }
    if (!row || row.checkpointed === 0) {
      guard.end();
      return;
    }
    this.#flushing = this.#file.flush().then(
      () => {
        this.#flushing = undefined;
        this.#copies++;
        guard.end();
      },
      (error: unknown) => {
        this.#flushing = undefined;
        this.#failure = { error: new StoreFailedError(error) };
      },
    );
  }

  /** The error of the flush that failed, if one did: nothing more may be committed. */
  get failure(): { readonly error: StoreFailedError } | undefined {
    return this.#failure;
  }

  /** Copies whose flush ended. */
  get copies(): number {
    return this.#copies;
  }

  /** Resolves once no flush runs (whether it succeeded or failed). */
  async idle(): Promise<void> {
    await this.#flushing;
  }

  /**
   * Waits for the running flush, then releases the guard and the file. Idempotent. After a failed
   * flush the guard stays open for the rest of the process: the database's own connection, closed
   * next, then cannot take the lock its closing checkpoint needs, and leaves the WAL, the only copy
   * on disk of the pages whose flush failed, for the next start to recover from. Closed, the guard
   * would let that checkpoint find every frame copied already, flush nothing and delete the WAL.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#flushing;
    if (this.#failure === undefined) {
      this.#guard?.close();
      this.#guard = undefined;
    }
    await this.#file.close();
  }

  #openGuard(): Guard {
    if (this.#guard) return this.#guard;
    const db = new Database(this.#path, { readonly: true, fileMustExist: true });
    const begin = db.prepare('BEGIN');
    // A read transaction starts with its first read: this one takes the snapshot.
    const read = db.prepare('SELECT count(*) FROM sqlite_schema');
    const end = db.prepare('COMMIT');
    this.#guard = {
      begin: () => {
        begin.run();
        read.get();
      },
      end: () => {
        if (db.inTransaction) end.run();
      },
      close: () => db.close(),
    };
    return this.#guard;
  }
}
