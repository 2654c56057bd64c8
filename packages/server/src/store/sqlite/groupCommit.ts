import type Database from 'better-sqlite3';

interface Pending {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

/**
 * Group commit for SQLite: the writes requested during one turn of the event loop run in one
 * IMMEDIATE transaction, each inside its own savepoint, and share its single fsync.
 *
 * With `synchronous = FULL` every commit waits for an fsync, and better-sqlite3 waits on the
 * event loop; one commit per refresh caps a server at the disk's fsync rate and stalls every other
 * request meanwhile. Batching keeps each write's meaning (a write that throws rolls back only its
 * own savepoint and rejects only its own promise) and its durability (no promise settles before
 * the COMMIT that contains it has returned), and pays one fsync per turn instead of one per write.
 */
export class GroupCommit {
  #batch: Pending[] = [];
  readonly #inSavepoint: (work: () => unknown) => unknown;
  readonly #commit: Database.Transaction<(batch: readonly Pending[]) => Outcome[]>;

  constructor(db: Database.Database) {
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
   * error that failed the whole commit.
   */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const first = this.#batch.push({ work, resolve: resolve as (value: unknown) => void, reject }) === 1;
      if (first) setImmediate(this.flush);
    });
  }

  /** Commits what is pending now (also called before the database closes). */
  readonly flush = (): void => {
    const batch = this.#batch;
    if (batch.length === 0) return;
    this.#batch = [];
    let outcomes: Outcome[];
    try {
      outcomes = this.#commit.immediate(batch);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    outcomes.forEach((outcome, index) => {
      const item = batch[index] as Pending;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  };

  /** Writes waiting for the next commit. */
  get pending(): number {
    return this.#batch.length;
  }
}
