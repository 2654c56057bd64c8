/**
 * Lets pending I/O and promise callbacks run until `done()` holds: no sleeping, and a bounded
 * wait (`turns` turns of the event loop) that fails naming `what`.
 */
export async function until(done: () => boolean, what: string, turns = 10_000): Promise<void> {
  for (let turn = 0; turn < turns; turn++) {
    if (done()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}
