/** Where batched lines finally go: pino's synchronous destination (it retries partial writes and EAGAIN). */
export interface LineWriter {
  write(text: string): unknown;
}

/** Above this many pending characters the batch is written at once instead of at the end of the turn. */
const MAX_PENDING = 64 * 1024;

/** Batches that exist and may hold lines, written out by the one `exit` listener below. */
const open = new Set<PerTurnLines>();
let exitListener = false;

/**
 * A log destination that writes the lines of one turn of the event loop with one system call.
 * Under load many requests are answered in one turn, and each answered request writes a line: a
 * write per line cost a sixth of a protected GET's CPU in the benchmark (a system call is about
 * 3 µs on a virtual machine with page-table isolation), where one write per turn is almost free.
 *
 * No line waits longer than the turn it was written in (the batch goes out in `setImmediate`), nor
 * past the process: the lines of the last turn are written when the process exits, also after an
 * uncaught exception or `process.exit()`. Only a SIGKILL in the middle of a turn loses that turn's
 * lines, as it would lose the answers of that turn.
 */
export class PerTurnLines {
  #pending = '';
  #scheduled = false;
  readonly #flush = () => {
    this.#scheduled = false;
    this.flushSync();
  };

  constructor(private readonly writer: LineWriter) {
    open.add(this);
    if (!exitListener) {
      exitListener = true;
      process.on('exit', () => {
        for (const lines of open) lines.flushSync();
      });
    }
  }

  /** Adds `line` (which ends with a newline, as pino's lines do) to this turn's batch. */
  write(line: string): void {
    this.#pending += line;
    if (this.#pending.length >= MAX_PENDING) {
      this.flushSync();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
  }

  /** Writes whatever is pending now. */
  flushSync(): void {
    if (this.#pending === '') return;
    const batch = this.#pending;
    this.#pending = '';
    this.writer.write(batch);
  }

  /** Writes what is pending and stops being flushed at exit (the server closed). */
  end(): void {
    this.flushSync();
    open.delete(this);
  }
}
