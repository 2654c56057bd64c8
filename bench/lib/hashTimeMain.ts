/**
 * Child process of `hashLimit.ts`: times argon2id verifications with Baton's own parameters on
 * one thread for the given seconds, printing `HASHING` when it begins and, at the end,
 * `{ verifiesPerSecond, threads, nice }` as JSON. Arguments: the path of Baton's module with its
 * argon2 settings (`auth/passwords.js`), the seconds, and `--at-baton-nice` to hash at the nice
 * value of Baton's hashing threads (`HASHING_NICE`), as a stand-in for them.
 */
import { getPriority, setPriority } from 'node:os';
import { hashSync, verifySync } from '@node-rs/argon2';

const [modulePath, secondsText, mode] = process.argv.slice(2);
const { ARGON2_OPTIONS, HASH_CONCURRENCY, HASHING_NICE } = (await import(modulePath!)) as {
  ARGON2_OPTIONS: Record<string, number>;
  HASH_CONCURRENCY: number;
  HASHING_NICE: number;
};
if (mode === '--at-baton-nice') setPriority(HASHING_NICE);
const password = 'a long bench passphrase 42';
const hash = hashSync(password, ARGON2_OPTIONS);
verifySync(hash, password);
// The caller may wait for this line to know the hashing has begun.
console.log('HASHING');
const deadline = performance.now() + Number(secondsText) * 1000;
const started = performance.now();
let count = 0;
while (performance.now() < deadline) {
  if (!verifySync(hash, password)) throw new Error('verification failed');
  count++;
}
const verifiesPerSecond = count / ((performance.now() - started) / 1000);
console.log(JSON.stringify({ verifiesPerSecond, threads: HASH_CONCURRENCY, nice: getPriority() }));
