import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  assertAcceptablePassword,
  HASH_CONCURRENCY,
  HASHING_NICE,
  hashingLoad,
  hashPassword,
  verifyPassword,
} from '../src/auth/passwords.js';

describe('passwords', () => {
  it('hashes with argon2id at 19 MiB, 2 passes, 1 lane', async () => {
    const hash = await hashPassword('correct horse battery staple');
    assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await verifyPassword(hash, 'correct horse battery staple'), true);
    assert.equal(await verifyPassword(hash, 'correct horse battery stapler'), false);
  });

  it('treats composed and decomposed unicode as the same password', async () => {
    const hash = await hashPassword('caf\u00e9 au lait!');
    assert.equal(await verifyPassword(hash, 'cafe\u0301 au lait!'), true);
  });

  it('hashes on all cores but one at most, the rest wait their turn', async () => {
    const count = HASH_CONCURRENCY + 2;
    let mostActive = 0;
    let mostWaiting = 0;
    const sampler = setInterval(() => {
      mostActive = Math.max(mostActive, hashingLoad().active);
      mostWaiting = Math.max(mostWaiting, hashingLoad().waiting);
    }, 1);
    const hashes = await Promise.all(
      Array.from({ length: count }, (_, index) => hashPassword(`a long passphrase ${index}`)),
    );
    clearInterval(sampler);
    assert.equal(new Set(hashes).size, count);
    assert.equal(mostActive, HASH_CONCURRENCY);
    assert.ok(mostWaiting >= 1, 'hashes beyond the limit queued');
    assert.deepEqual(hashingLoad(), { active: 0, waiting: 0 });
  });

  it('hashes on threads nicer than the event loop (Linux)', async (t) => {
    if (!existsSync('/proc/self/task')) {
      t.skip('skipped: no /proc/self/task to read thread priorities from');
      return;
    }
    await hashPassword('a long passphrase for priorities');
    // Field 19 of /proc/<pid>/task/<tid>/stat is the thread's nice value (after the `(comm)` field).
    const niceOf = (tid: string) =>
      Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ')[16]);
    const nices = readdirSync('/proc/self/task').map(niceOf);
    assert.ok(nices.includes(HASHING_NICE), `a hashing thread runs at nice ${HASHING_NICE}: ${nices}`);
    assert.equal(niceOf(String(process.pid)), 0, 'the event loop keeps its priority');
  });

  it('does not block the event loop while hashing', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await Promise.all([hashPassword('a long passphrase 1'), hashPassword('a long passphrase 2')]);
    clearInterval(timer);
    assert.ok(ticks > 0, 'timers kept firing during the hashes');
  });

  it('refuses the bundled common passwords regardless of case, and the email as password', () => {
    for (const password of ['password', 'PASSWORD1', 'baseball1', '12345678']) {
      assert.throws(() => assertAcceptablePassword(password), { code: 'weak_password' }, password);
    }
    assert.throws(() => assertAcceptablePassword('ann.smith', { email: 'ann.smith@example.com' }), {
      code: 'weak_password',
    });
    assert.doesNotThrow(() => assertAcceptablePassword('tree lamp orbit'));
  });

  it('counts characters, not UTF-16 units, and caps bytes', () => {
    assert.doesNotThrow(() => assertAcceptablePassword('🙂'.repeat(8)));
    assert.throws(() => assertAcceptablePassword('🙂'.repeat(7)), { code: 'weak_password' });
    assert.throws(() => assertAcceptablePassword('🙂'.repeat(129)), { code: 'weak_password' });
  });
});
