/** Statements for many inputs at once: rotations (group commit), refresh-token lookups, todo lists. */
export interface StatementBatchesOptions<Input, Output> {
  /** Runs one statement for `batch`, answering for each input in the same order. */
  readonly many: (batch: readonly Input[]) => Promise<Output[]>;
  /** Statements in flight at once; inputs that arrive meanwhile wait, and go together in the next. */
  readonly maxInFlight: number;
  /**
   * Told when a statement for several inputs fails as a whole, before each input is tried again
   * alone: the retries keep the failure from callers, not from operators.
   */
  readonly onBatchFailure?: (error: unknown, inputs: number) => void;
}

interface Waiting<Input, Output> {
  readonly input: Input;
  readonly resolve: (output: Output) => void;
  readonly reject: (error: unknown) => void;
}

/** Inputs per statement at most: bounds one statement's size and the rows it locks. */
const MAX_BATCH = 64;

/**
 * Group commit for PostgreSQL, as the SQLite store does per event-loop turn, and its read-side
 * twin: inputs that arrive while `maxInFlight` statements are already running wait, and go
 * together in the next statement (one round trip for all of them, and for writes one commit and
 * one WAL flush). On this kind of machine a round trip's system calls, not the query, are most of
 * its cost. An idle store sends an input at once, so a lone request waits for nothing.
 *
 * If a statement fails as a whole (a deadlock with another instance's batch over the same tokens,
 * a lost connection), each of its inputs is tried again alone, so an input never fails because
 * another one in its batch did.
 */
export function statementBatches<Input, Output>(
  options: StatementBatchesOptions<Input, Output>,
): (input: Input) => Promise<Output> {
  const queue: Waiting<Input, Output>[] = [];
  let inFlight = 0;

  const alone = async (input: Input): Promise<Output> => (await options.many([input]))[0] as Output;

  const pump = () => {
    while (inFlight < options.maxInFlight && queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      inFlight++;
      const done = () => {
        inFlight--;
        pump();
      };
      const retryAlone = () =>
        Promise.all(batch.map((waiting) => alone(waiting.input).then(waiting.resolve, waiting.reject)));
      // Through a promise, so that a `many` that throws at once still settles every waiting input.
      Promise.resolve(batch.map((waiting) => waiting.input))
        .then((inputs) => options.many(inputs))
        .then(
          (outputs) => {
            for (const [index, waiting] of batch.entries()) waiting.resolve(outputs[index] as Output);
          },
          (error: unknown) => {
            if (batch.length === 1) {
              batch[0]!.reject(error);
              return;
            }
            options.onBatchFailure?.(error, batch.length);
            return retryAlone();
          },
        )
        .finally(done);
    }
  };

  return (input) =>
    new Promise<Output>((resolve, reject) => {
      queue.push({ input, resolve, reject });
      pump();
    });
}
