import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { NewMail } from '../mailQueue.js';
import type { NewOneTimeToken, OneTimeTokenPurpose } from '../oneTimeTokens.js';
import { EmailTakenError } from '../store.js';
import { HOUR, type StoreFixture, T0 } from './fixture.js';

/**
 * Mail tests share the store, so each works at a time of its own, later tests earlier: a claim at
 * `now` sees only messages due by then, never those of the tests before.
 */
const block = (hours: number) => T0 + hours * HOUR;

/** Account recovery: one-time tokens, the mail queue, and the account changes they lead to. */
export function describeRecovery(f: StoreFixture): void {
  const token = (userId: string, purpose: OneTimeTokenPurpose, expiresAt = T0 + HOUR): NewOneTimeToken => ({
    tokenHash: `ott-${randomUUID()}`,
    purpose,
    userId,
    email: 'new@example.com',
    emailKey: 'new@example.com',
    createdAt: T0,
    expiresAt,
  });
  const mail = (userId: string, createdAt: number): NewMail => ({
    id: randomUUID(),
    userId,
    kind: 'password_reset',
    recipient: 'ann@example.com',
    params: { link: 'https://app.example.com/reset-password?token=brp_x', name: 'Ann' },
    createdAt,
  });

  describe('one-time tokens', () => {
    it('are consumed once, only for their purpose, and only until they expire', async () => {
      const user = await f.newUser();
      const reset = token(user.id, 'password_reset');
      await f.store.createOneTimeToken(reset);
      assert.deepEqual(await f.store.findOneTimeToken(reset.tokenHash), { ...reset, usedAt: null });
      assert.deepEqual(await f.store.consumeOneTimeToken(reset.tokenHash, 'email_verification', T0 + 1), {
        status: 'invalid',
      });
      assert.deepEqual(await f.store.consumeOneTimeToken(reset.tokenHash, 'password_reset', T0 + 2), {
        status: 'consumed',
        token: { ...reset, usedAt: T0 + 2 },
      });
      assert.deepEqual(await f.store.consumeOneTimeToken(reset.tokenHash, 'password_reset', T0 + 3), {
        status: 'invalid',
      });
      const late = token(user.id, 'password_reset');
      await f.store.createOneTimeToken(late);
      // Expiry is exclusive: at the instant of expiry the token is already dead.
      assert.deepEqual(await f.store.consumeOneTimeToken(late.tokenHash, 'password_reset', T0 + HOUR), {
        status: 'expired',
      });
      assert.deepEqual(await f.store.consumeOneTimeToken('missing', 'password_reset', T0), {
        status: 'invalid',
      });
    });

    it('200 concurrent consumptions of one token: exactly one caller wins', async () => {
      const user = await f.newUser();
      const once = token(user.id, 'email_change');
      await f.store.createOneTimeToken(once);
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, (_, n) =>
          f.store.consumeOneTimeToken(once.tokenHash, 'email_change', T0 + n),
        ),
      );
      assert.equal(outcomes.filter((outcome) => outcome.status === 'consumed').length, 1);
      assert.equal(outcomes.filter((outcome) => outcome.status === 'invalid').length, 199);
    });

    it('voids the unused tokens of one purpose of one user, and only those', async () => {
      const user = await f.newUser();
      const other = await f.newUser();
      const mine = [token(user.id, 'password_reset'), token(user.id, 'password_reset')];
      const keep = [token(user.id, 'email_verification'), token(other.id, 'password_reset')];
      for (const each of [...mine, ...keep]) await f.store.createOneTimeToken(each);
      assert.equal(await f.store.voidOneTimeTokens(user.id, 'password_reset', T0 + 5), 2);
      for (const each of mine) assert.equal((await f.store.findOneTimeToken(each.tokenHash))?.usedAt, T0 + 5);
      for (const each of keep) assert.equal((await f.store.findOneTimeToken(each.tokenHash))?.usedAt, null);
    });

    it('drops the tokens that expired before an instant, used or not, and keeps the others', async () => {
      const user = await f.newUser();
      const old = token(user.id, 'password_reset', T0 - 2 * HOUR);
      const used = token(user.id, 'email_verification', T0 - 2 * HOUR);
      const live = token(user.id, 'password_reset', T0 + HOUR);
      for (const each of [old, used, live]) await f.store.createOneTimeToken(each);
      await f.store.consumeOneTimeToken(used.tokenHash, 'email_verification', T0 - 3 * HOUR);
      assert.ok((await f.store.dropExpiredOneTimeTokens(T0 - HOUR)) >= 2);
      assert.equal(await f.store.findOneTimeToken(old.tokenHash), undefined);
      assert.equal(await f.store.findOneTimeToken(used.tokenHash), undefined);
      assert.ok(await f.store.findOneTimeToken(live.tokenHash));
    });
  });

  describe('mail queue', () => {
    it('a claimed message is leased: nobody else claims it until the lease ends, and only the holder settles it', async () => {
      const now = block(1000);
      const user = await f.newUser();
      const queued = mail(user.id, now);
      await f.store.enqueueMail(queued);
      const claim = { now, leaseUntil: now + 60_000, owner: 'a', limit: 10 };
      const [claimed, ...others] = await f.store.claimDueMail(claim);
      assert.equal(others.length, 0);
      assert.deepEqual(claimed, {
        ...queued,
        attempts: 1,
        nextAttemptAt: now,
        leaseUntil: now + 60_000,
        sentAt: null,
        failedAt: null,
        lastError: null,
      });
      assert.deepEqual(await f.store.claimDueMail({ ...claim, owner: 'b', now: now + 59_999 }), []);
      const reclaimed = await f.store.claimDueMail({ ...claim, owner: 'b', now: now + 60_000 });
      assert.deepEqual(
        reclaimed.map((each) => [each.id, each.attempts]),
        [[queued.id, 2]],
        'a lease that ran out (its holder died) is claimed again',
      );
      assert.equal(await f.store.markMailSent(queued.id, 'a', now + 60_001), false, 'the old holder lost it');
      assert.equal(await f.store.markMailSent(queued.id, 'b', now + 60_002), true);
    });

    it('a refused attempt waits for its retry time; a sent message is never claimed again and keeps no params', async () => {
      const now = block(900);
      const user = await f.newUser();
      const queued = mail(user.id, now);
      await f.store.enqueueMail(queued);
      const claim = { now, leaseUntil: now + 60_000, owner: 'a', limit: 10 };
      assert.equal((await f.store.claimDueMail(claim)).length, 1);
      const refusal = '451 4.3.0 try again later\r\nmore text';
      assert.equal(
        await f.store.markMailUnsent(queued.id, 'a', { error: refusal, retryAt: now + 30_000 }),
        true,
      );
      assert.deepEqual(await f.store.claimDueMail({ ...claim, now: now + 29_999 }), []);
      const [again] = await f.store.claimDueMail({ ...claim, now: now + 30_000 });
      assert.equal(again?.attempts, 2);
      assert.equal(again?.lastError, '451 4.3.0 try again later', 'the first line of the refusal');
      assert.equal(await f.store.markMailSent(queued.id, 'a', now + 30_001), true);
      assert.deepEqual(await f.store.claimDueMail({ ...claim, now: now + 10 * HOUR }), []);
      const [sent] = (await f.store.listMail({ limit: 10_000 })).filter((each) => each.id === queued.id);
      assert.equal(sent?.sentAt, now + 30_001);
      assert.equal(sent?.params, null, 'a delivered link is not kept');
      assert.equal(await f.store.markMailUnsent(queued.id, 'a', { error: 'late', failedAt: now }), false);
    });

    it('20 instances claiming 30 messages at once: each message is claimed exactly once', async () => {
      const now = block(800);
      const user = await f.newUser();
      const queued = Array.from({ length: 30 }, (_, n) => mail(user.id, now - n));
      for (const each of queued) await f.store.enqueueMail(each);
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          f.store.claimDueMail({ now, leaseUntil: now + 60_000, owner: `instance-${n}`, limit: 3 }),
        ),
      );
      const ids = claims.flat().map((each) => each.id);
      assert.equal(ids.length, 30);
      assert.equal(new Set(ids).size, 30, 'no message was claimed twice');
      assert.deepEqual(new Set(ids), new Set(queued.map((each) => each.id)));
    });

    it('lists by status and retries one message by id, then every unsent one, with fresh attempts for those given up', async () => {
      const now = block(700);
      const user = await f.newUser();
      const [failed, pending, sent] = [mail(user.id, now), mail(user.id, now + 1), mail(user.id, now + 2)];
      for (const each of [failed, pending, sent]) await f.store.enqueueMail(each);
      const claim = { now: now + 2, leaseUntil: now + 60_000, owner: 'a', limit: 10 };
      assert.equal((await f.store.claimDueMail(claim)).length, 3);
      await f.store.markMailUnsent(failed.id, 'a', { error: 'gave up', failedAt: now + 3 });
      await f.store.markMailUnsent(pending.id, 'a', { error: 'later', retryAt: now + HOUR });
      await f.store.markMailSent(sent.id, 'a', now + 3);
      const ids = async (status: 'pending' | 'sent' | 'failed') =>
        (await f.store.listMail({ status, limit: 10_000 })).map((each) => each.id);
      assert.ok((await ids('failed')).includes(failed.id));
      assert.ok((await ids('pending')).includes(pending.id));
      assert.ok((await ids('sent')).includes(sent.id));
      assert.ok(!(await ids('pending')).includes(failed.id));
      const newest = await f.store.listMail({ limit: 3 });
      assert.ok(newest.length <= 3);
      assert.equal(await f.store.retryMail(now + 4, failed.id), 1);
      assert.equal(await f.store.retryMail(now + 4, sent.id), 0, 'a sent message is never sent again');
      const [retried] = await f.store.claimDueMail({ ...claim, now: now + 4 });
      assert.equal(retried?.id, failed.id);
      assert.equal(retried?.attempts, 1, 'a message given up on starts its attempts afresh');
      await f.store.markMailUnsent(failed.id, 'a', { error: 'gave up', failedAt: now + 5 });
      // Every unsent message, this test's and any left by others: each becomes due now.
      assert.ok((await f.store.retryMail(now + 6)) >= 2);
      const due = (await f.store.claimDueMail({ ...claim, now: now + 6, limit: 10_000 })).map(
        (each) => each.id,
      );
      assert.ok(due.includes(failed.id) && due.includes(pending.id));
    });
  });

  describe('account changes', () => {
    it('verifies an email, renames, and moves to a new address (verified), refusing a taken one', async () => {
      const user = await f.newUser();
      const other = await f.newUser();
      assert.equal(await f.store.setEmailVerified(user.id, true), true);
      assert.equal((await f.store.findUserById(user.id))?.emailVerified, true);
      assert.equal(await f.store.setEmailVerified('missing', true), false);
      assert.equal((await f.store.updateUserName(user.id, 'Ann'))?.name, 'Ann');
      assert.equal((await f.store.updateUserName(user.id, null))?.name, null);
      assert.equal(await f.store.updateUserName('missing', 'Ann'), undefined);
      await f.store.setEmailVerified(user.id, false);
      const moved = `moved.${randomUUID()}@example.com`;
      assert.equal(await f.store.changeUserEmail(user.id, moved, moved), true);
      const found = await f.store.findUserByEmailKey(moved);
      assert.equal(found?.id, user.id);
      assert.equal(found?.emailVerified, true);
      await assert.rejects(f.store.changeUserEmail(user.id, other.email, other.email), EmailTakenError);
      assert.equal((await f.store.findUserById(user.id))?.email, moved);
    });

    it('deleting a user deletes their sessions, tokens, todos and mail, and erases addresses from their audit events', async () => {
      const user = await f.newUser();
      const bystander = await f.newUser();
      const { session, tokenHash } = await f.newSession(user.id);
      const kept = await f.newSession(bystander.id);
      const reset = token(user.id, 'password_reset');
      await f.store.createOneTimeToken(reset);
      const queued = mail(user.id, block(600));
      await f.store.enqueueMail(queued);
      await f.store.createTodo({ id: randomUUID(), userId: user.id, title: 'mine', createdAt: T0 });
      await f.store.appendAudit({
        id: randomUUID(),
        at: T0,
        kind: 'login_succeeded',
        userId: user.id,
        sessionId: session.id,
        ip: '10.0.0.9',
        userAgent: 'Firefox',
        detail: null,
      });
      assert.equal(await f.store.deleteUser(user.id), true);
      assert.equal(await f.store.findUserById(user.id), undefined);
      assert.equal(await f.store.findSession(session.id), undefined);
      assert.equal(await f.store.findRefreshToken(tokenHash), undefined);
      assert.equal(await f.store.findOneTimeToken(reset.tokenHash), undefined);
      assert.deepEqual(await f.store.listTodos(user.id), []);
      assert.ok(!(await f.store.listMail({ limit: 10_000 })).some((each) => each.id === queued.id));
      const [event] = await f.store.listAudit({ userId: user.id });
      assert.deepEqual([event?.kind, event?.ip, event?.userAgent], ['login_succeeded', null, null]);
      assert.ok(await f.store.findSession(kept.session.id), "another user's session stays");
      assert.equal(await f.store.deleteUser(user.id), false);
    });
  });
}
