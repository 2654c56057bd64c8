import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pooledRandomBytes } from '../src/tokens/randomPool.js';

describe('pooled random bytes', () => {
  it('hands out every byte once: 20,000 draws of 32 bytes (over 300 refills) are all different', () => {
    const seen = new Set<string>();
    for (let draw = 0; draw < 20_000; draw++) seen.add(pooledRandomBytes(32).toString('hex'));
    assert.equal(seen.size, 20_000);
  });

  it('gives each caller a buffer of its own, of the length asked for, across a refill', () => {
    const first = pooledRandomBytes(12);
    const copy = Buffer.from(first);
    // Draws of odd sizes cross the pool's end, so some draw lands on a refill.
    const later = Array.from({ length: 500 }, (_, index) => pooledRandomBytes(1 + (index % 37)));
    for (const [index, bytes] of later.entries()) assert.equal(bytes.length, 1 + (index % 37));
    assert.deepEqual(first, copy, 'a refill does not change bytes already handed out');
    first.fill(0);
    assert.notDeepEqual(
      pooledRandomBytes(12),
      Buffer.alloc(12),
      "zeroing one's own buffer touches no one else's",
    );
  });

  it('refuses a length that is not a whole number of bytes, handing nothing out twice', () => {
    for (const length of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => pooledRandomBytes(length), RangeError);
    }
    assert.equal(pooledRandomBytes(0).length, 0);
  });

  it('serves a request larger than the pool straight from the CSPRNG', () => {
    const big = pooledRandomBytes(5000);
    assert.equal(big.length, 5000);
    assert.notEqual(big.subarray(0, 2048).toString('hex'), big.subarray(2048, 4096).toString('hex'));
  });

  it('looks uniform: every byte value turns up about as often as the others', () => {
    const counts = new Array<number>(256).fill(0);
    for (let draw = 0; draw < 2_000; draw++) for (const byte of pooledRandomBytes(32)) counts[byte]!++;
    // 64,000 bytes: 250 expected per value; a chi-square above 400 (255 degrees of freedom) would
    // happen by chance about once in a million runs.
    const chiSquare = counts.reduce((sum, count) => sum + (count - 250) ** 2 / 250, 0);
    assert.ok(chiSquare < 400, `chi-square ${chiSquare.toFixed(0)}`);
  });
});
