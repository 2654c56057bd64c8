import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { HOUR, type StoreFixture, T0 } from './fixture.js';

const successor = () => `succ-${randomUUID()}`;
/** What a rotation records besides the digests: who consumed the token, and its sealed successor. */
const CLIENT = { consumedBy: 'client-a', successorBox: 'sealed-successor' } as const;

/** Refresh token rotation: single use, exactly one winner, and the session it extends. */
export function describeRotation(f: StoreFixture): void {
  describe('refresh token rotation', () => {
    it('rotates once, then reports the token as already used at the first consumption', async () => {
      const user = await f.newUser();
      const { session, tokenHash } = await f.newSession(user.id);
      const first = await f.store.rotateRefreshToken({
        ...CLIENT,
        tokenHash,
        successorHash: successor(),
        now: T0 + 1000,
        idleExpiresAt: T0 + 2 * HOUR,
      });
      assert.equal(first.status, 'rotated');
      assert.equal(first.status === 'rotated' && first.session.id, session.id);
      const second = await f.store.rotateRefreshToken({
        ...CLIENT,
        tokenHash,
        successorHash: successor(),
        now: T0 + 5000,
        idleExpiresAt: T0 + 3 * HOUR,
      });
      assert.equal(second.status, 'already_used');
      if (second.status === 'already_used') {
        assert.equal(second.usedAt, T0 + 1000);
        assert.equal(second.token.consumedBy, 'client-a', 'the loser learns who consumed it');
        assert.equal(second.token.successorBox, 'sealed-successor');
        assert.equal(second.session.id, session.id);
        assert.equal(second.session.idleExpiresAt, T0 + 2 * HOUR, 'a losing attempt extends nothing');
      }
      assert.equal((await f.store.findRefreshToken(tokenHash))?.usedAt, T0 + 1000);
    });

    it('keeps 24 concurrent rotations apart (group commit): each extends its own session, a token sent 6 times wins once', async () => {
      const user = await f.newUser();
      const sessions = await Promise.all(Array.from({ length: 24 }, () => f.newSession(user.id)));
      const contested = sessions[0]!;
      const rotate = (tokenHash: string, index: number) =>
        f.store.rotateRefreshToken({
          ...CLIENT,
          tokenHash,
          successorHash: successor(),
          now: T0 + 1000 + index,
          idleExpiresAt: T0 + HOUR + index,
        });
      // The contested token's extra presentations sit between the others, so a batch that mixed up
      // which answer is whose (losers answer nothing) would hand sessions to the wrong callers.
      const own: ReturnType<typeof rotate>[] = [];
      const extra: ReturnType<typeof rotate>[] = [];
      for (const [index, each] of sessions.entries()) {
        if (index >= 2 && index <= 6) extra.push(rotate(contested.tokenHash, 0));
        own.push(rotate(each.tokenHash, index));
      }
      await Promise.all([...own, ...extra]);
      for (const [index, each] of sessions.entries()) {
        if (index === 0) continue;
        const result = await own[index]!;
        assert.equal(result.status, 'rotated');
        assert.equal(result.status === 'rotated' && result.session.id, each.session.id);
        assert.equal(result.status === 'rotated' && result.session.idleExpiresAt, T0 + HOUR + index);
      }
      const contestedResults = await Promise.all([own[0]!, ...extra]);
      assert.equal(contestedResults.filter((result) => result.status === 'rotated').length, 1);
      assert.equal(contestedResults.filter((result) => result.status === 'already_used').length, 5);
    });

    it('deletes spent tokens used before the cutoff, in rounds of at most the limit, and nothing else', async () => {
      const user = await f.newUser();
      const spent: string[] = [];
      for (let index = 0; index < 3; index++) {
        const { tokenHash } = await f.newSession(user.id);
        await f.store.rotateRefreshToken({
          ...CLIENT,
          tokenHash,
          successorHash: successor(),
          now: T0 + index,
          idleExpiresAt: T0 + HOUR,
        });
        spent.push(tokenHash);
      }
      const recent = await f.newSession(user.id);
      await f.store.rotateRefreshToken({
        ...CLIENT,
        tokenHash: recent.tokenHash,
        successorHash: successor(),
        now: T0 + HOUR,
        idleExpiresAt: T0 + 2 * HOUR,
      });
      const unused = await f.newSession(user.id);
      assert.equal(await f.store.deleteSpentTokens(T0 + 100, 2), 2, 'a round deletes at most the limit');
      assert.equal(await f.store.deleteSpentTokens(T0 + 100, 2), 1);
      assert.equal(await f.store.deleteSpentTokens(T0 + 100, 2), 0);
      for (const tokenHash of spent) assert.equal(await f.store.findRefreshToken(tokenHash), undefined);
      assert.equal(
        (await f.store.findRefreshToken(recent.tokenHash))?.usedAt,
        T0 + HOUR,
        'spent after the cutoff',
      );
      assert.equal((await f.store.findRefreshToken(unused.tokenHash))?.usedAt, null, 'never spent');
    });

    it('extends the idle expiry and last use of the session', async () => {
      const user = await f.newUser();
      const { session, tokenHash } = await f.newSession(user.id);
      const result = await f.store.rotateRefreshToken({
        ...CLIENT,
        tokenHash,
        successorHash: successor(),
        now: T0 + 30 * 60_000,
        idleExpiresAt: T0 + 90 * 60_000,
      });
      const expected = { ...session, lastUsedAt: T0 + 30 * 60_000, idleExpiresAt: T0 + 90 * 60_000 };
      assert.deepEqual(result, {
        status: 'rotated',
        session: { ...expected, revokedAt: null, revokeReason: null },
      });
      assert.deepEqual(await f.store.findSession(session.id), result.status === 'rotated' && result.session);
      // Alive past its original idle expiry, because the rotation extended it.
      const live = await f.store.listActiveSessions(user.id, T0 + HOUR + 1);
      assert.deepEqual(
        live.map((s) => s.id),
        [session.id],
      );
    });

    it('makes the successor the live token of the same session, and it rotates in turn', async () => {
      const user = await f.newUser();
      const { session, tokenHash } = await f.newSession(user.id);
      const successorHash = successor();
      await f.store.rotateRefreshToken({
        ...CLIENT,
        tokenHash,
        successorHash,
        now: T0 + 1,
        idleExpiresAt: T0 + HOUR,
      });
      assert.deepEqual(await f.store.findRefreshToken(successorHash), {
        tokenHash: successorHash,
        sessionId: session.id,
        createdAt: T0 + 1,
        usedAt: null,
        consumedBy: null,
        successorBox: null,
      });
      const next = await f.store.rotateRefreshToken({
        ...CLIENT,
        tokenHash: successorHash,
        successorHash: successor(),
        now: T0 + 2,
        idleExpiresAt: T0 + HOUR + 2,
      });
      assert.equal(next.status, 'rotated');
    });

    it('drops sealed successors of tokens consumed before a time, and only those', async () => {
      const user = await f.newUser();
      const early = await f.newSession(user.id);
      const late = await f.newSession(user.id);
      const rotation = { ...CLIENT, successorHash: successor(), idleExpiresAt: T0 + HOUR };
      // Earlier than any other test's rotation, so that only this one is dropped from the shared store.
      await f.store.rotateRefreshToken({ ...rotation, tokenHash: early.tokenHash, now: T0 - 2 * HOUR });
      await f.store.rotateRefreshToken({
        ...rotation,
        successorHash: successor(),
        tokenHash: late.tokenHash,
        now: T0 + 9000,
      });
      assert.equal(await f.store.dropGraceSecrets(T0 - HOUR), 1);
      assert.equal((await f.store.findRefreshToken(early.tokenHash))?.successorBox, null);
      assert.equal((await f.store.findRefreshToken(late.tokenHash))?.successorBox, 'sealed-successor');
      assert.equal(
        (await f.store.findRefreshToken(early.tokenHash))?.consumedBy,
        'client-a',
        'who consumed it stays',
      );
    });

    it('finds a token with its session and user in one lookup, and nothing for an unknown token', async () => {
      const user = await f.newUser();
      const { session, tokenHash } = await f.newSession(user.id);
      const context = await f.store.findRefreshContext(tokenHash);
      assert.equal(context?.token.tokenHash, tokenHash);
      assert.deepEqual(context?.session, await f.store.findSession(session.id));
      assert.deepEqual(context?.user, user);
      assert.equal(await f.store.findRefreshContext(`missing-${randomUUID()}`), undefined);
    });

    it('answers not_found for an unknown token and stores no successor', async () => {
      const successorHash = successor();
      const result = await f.store.rotateRefreshToken({
        ...CLIENT,
        tokenHash: 'missing',
        successorHash,
        now: T0,
        idleExpiresAt: T0 + HOUR,
      });
      assert.deepEqual(result, { status: 'not_found' });
      assert.equal(await f.store.findRefreshToken(successorHash), undefined);
    });

    it('lets exactly one of 50 concurrent rotations of one token win', async () => {
      const user = await f.newUser();
      const { tokenHash } = await f.newSession(user.id);
      const successors = Array.from({ length: 50 }, successor);
      const results = await Promise.all(
        successors.map((successorHash, index) =>
          f.store.rotateRefreshToken({
            ...CLIENT,
            tokenHash,
            successorHash,
            now: T0 + 1 + index,
            idleExpiresAt: T0 + HOUR + index,
          }),
        ),
      );
      const rotated = results.filter((result) => result.status === 'rotated');
      const losers = results.filter((result) => result.status === 'already_used');
      assert.equal(rotated.length, 1);
      assert.equal(losers.length, 49);
      const usedAt = (await f.store.findRefreshToken(tokenHash))?.usedAt;
      assert.ok(
        losers.every((result) => result.usedAt === usedAt),
        'every loser sees the winning consumption',
      );
      const stored = await Promise.all(successors.map((hash) => f.store.findRefreshToken(hash)));
      assert.equal(stored.filter(Boolean).length, 1, 'exactly one successor exists');
    });
  });
}
