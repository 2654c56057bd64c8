import type { Rotation } from '../store.js';

/** What a rotation statement answers for one rotation: the extended session row, or nothing. */
export type Rotated<Row> = Row | undefined;

export interface RotationBatches<Row> {
  /** Queues `rotation` into the next batch; resolves with its session row, or undefined when it lost. */
  rotate(rotation: Rotation): Promise<Rotated<Row>>;
}

interface Waiting<Row> {
  readonly rotation: Rotation;
  readonly resolve: (row: Rotated<Row>) => void;
  readonly reject: (error: unknown) => void;
}

/** Rotations per statement at most: bounds one statement's size and the rows it locks. */
const MAX_BATCH = 64;

/**
 * Group commit for PostgreSQL refreshes, as the SQLite store does per event-loop turn: rotations
 * requested while `maxInFlight` batches are already running wait, and go together in the next
 * statement (one round trip, one commit, one WAL flush for all of them). An idle store sends a
 * rotation at once, so a lone refresh waits for nothing.
 *
 * If a batch fails as a whole (a deadlock with another instance's batch over the same tokens, a
 * lost connection), each of its rotations is tried again alone, so a rotation never fails because
 * another one in its batch did.
 */
export function rotationBatches<Row>(options: {
  readonly many: (batch: readonly Rotation[]) => Promise<Rotated<Row>[]>;
  readonly one: (rotation: Rotation) => Promise<Rotated<Row>>;
  readonly maxInFlight: number;
}): RotationBatches<Row> {
  const queue: Waiting<Row>[] = [];
  let inFlight = 0;

  const settleAlone = (waiting: Waiting<Row>) =>
    options.one(waiting.rotation).then(waiting.resolve, waiting.reject);

  const pump = () => {
    while (inFlight < options.maxInFlight && queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      inFlight++;
      const done = () => {
        inFlight--;
        pump();
      };
      if (batch.length === 1) {
        settleAlone(batch[0]!).finally(done);
        continue;
      }
      options
        .many(batch.map((waiting) => waiting.rotation))
        .then(
          (rows) => {
            for (const [index, waiting] of batch.entries()) waiting.resolve(rows[index]);
          },
          () => Promise.all(batch.map(settleAlone)),
        )
        .finally(done);
    }
  };

  return {
    rotate: (rotation) =>
      new Promise<Rotated<Row>>((resolve, reject) => {
        queue.push({ rotation, resolve, reject });
        pump();
      }),
  };
}
