/**
 * Work a request starts and does not wait for (a password reset link written after the answer
 * left, so the answer's time says nothing about whether the address has an account). Failures
 * are logged; {@link idle} lets the server's close, and tests, wait for whatever is still running.
 */
export class BackgroundWork {
  readonly #running = new Set<Promise<void>>();

  constructor(private readonly onError: (error: unknown) => void) {}

  /**
   * Starts `task` on a later turn of the event loop, once the answer in progress has been written:
   * the embedded store is synchronous, so a task started at once would do its writes (and their
   * fsync) before the answer leaves, and the answer's time would tell that there was work to do.
   */
  run(task: () => Promise<void>): void {
    const done: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(task)
      .catch(this.onError)
      .finally(() => this.#running.delete(done));
    this.#running.add(done);
  }

  /** Resolves once every task started so far (and any they started) has finished. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running);
  }
}
