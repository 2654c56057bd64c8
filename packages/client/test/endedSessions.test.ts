import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEndedSessions } from '../src/endedSessions.js';
import { memoryStorage } from '../src/index.js';
import type { SessionState } from '../src/session.js';

const replacing = (replaces: string): SessionState => ({
  session: {
    user: null,
    accessToken: 'at',
    refreshToken: `after-${replaces}`,
    accessExpiresAt: 0,
    refreshExpiresAt: null,
  },
  refreshAt: 0,
  skewMs: 0,
  replaces,
});

test('a tab remembers the last 16 ended tokens, and a token remembered again counts as the newest', () => {
  const ended = createEndedSessions({ storage: memoryStorage(), storageKey: 'k', revoke: () => {} });
  for (let n = 1; n <= 16; n++) ended.remember(`rt_${n}`);
  ended.remember('rt_1');
  ended.remember('rt_17');
  assert.equal(ended.has('rt_2'), false, 'the oldest made way');
  assert.equal(ended.has('rt_1'), true, 'remembered again, it was the newest');
  assert.equal(ended.isSuccessor(replacing('rt_17')), true);
  assert.equal(ended.isSuccessor(replacing('rt_2')), false);
  for (let n = 18; n <= 40; n++) ended.remember(`rt_${n}`);
  assert.deepEqual(
    Array.from({ length: 40 }, (_, index) => `rt_${index + 1}`).filter((token) => ended.has(token)),
    Array.from({ length: 16 }, (_, index) => `rt_${index + 25}`),
  );
});
