/**
 * The entry of a hashing thread (see `hashingPool.ts`): runs argon2 jobs with `@node-rs/argon2`'s
 * synchronous API, one at a time, at the nice value it is given (Linux keeps one per thread).
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { hashSync, verifySync } from '@node-rs/argon2';
import type { HashJob, ThreadReply } from './hashingPool.js';

const { nice } = workerData as { readonly nice: number };
if (nice !== 0) {
  try {
    setPriority(nice);
  } catch {
    // Not permitted here (a container without CAP_SYS_NICE may refuse): hash at normal priority.
  }
}

parentPort?.on('message', (job: HashJob) => {
  let reply: ThreadReply;
  try {
    reply = {
      value: job.op === 'hash' ? hashSync(job.password, job.options) : verifySync(job.hash, job.password),
    };
  } catch (error) {
    reply = { error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
});
