/**
 * Child process of `hashLimit.ts`: times argon2id verifications with Baton's own parameters on
 * one thread for the given seconds, and prints `{ verifiesPerSecond, threads }` as JSON.
 * Argument: the path of Baton's built `auth/passwords.js`.
 */
import { hashSync, verifySync } from '@node-rs/argon2';

const [modulePath, secondsText] = process.argv.slice(2);
const { ARGON2_OPTIONS, HASH_CONCURRENCY } = (await import(modulePath!)) as {
  ARGON2_OPTIONS: Record<string, number>;
  HASH_CONCURRENCY: number;
};
const password = 'a long bench passphrase 42';
const hash = hashSync(password, ARGON2_OPTIONS);
verifySync(hash, password);
const deadline = performance.now() + Number(secondsText) * 1000;
const started = performance.now();
let count = 0;
while (performance.now() < deadline) {
  if (!verifySync(hash, password)) throw new Error('verification failed');
  count++;
}
const verifiesPerSecond = count / ((performance.now() - started) / 1000);
console.log(JSON.stringify({ verifiesPerSecond, threads: HASH_CONCURRENCY }));
