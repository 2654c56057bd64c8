/**
 * A hashing thread for pool tests: instead of argon2, each job's password is a script.
 * `spin:N` keeps the thread busy for N ms and answers with the wall-clock time it started (ms);
 * `exit` ends the thread, as a crash would; `thread` answers the thread's id.
 */
import { parentPort, threadId } from 'node:worker_threads';
import type { HashJob, ThreadReply } from '../../src/auth/hashingPool.js';

parentPort?.on('message', (job: HashJob) => {
  const started = Date.now();
  if (job.password === 'exit') process.exit(3);
  if (job.password === 'thread') {
    parentPort?.postMessage({ value: String(threadId) } satisfies ThreadReply);
    return;
  }
  const spin = /^spin:(\d+)$/.exec(job.password);
  // Busy on purpose: the thread does nothing else meanwhile, as during an argon2 hash.
  while (spin && Date.now() - started < Number(spin[1])) {}
  const reply: ThreadReply = { value: String(started) };
  parentPort?.postMessage(reply);
});
