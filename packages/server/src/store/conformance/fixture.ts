import { randomUUID } from 'node:crypto';
import type { NewSession, Store, UserRecord } from '../store.js';

/** A fixed instant the suite's times are relative to: stores never read a clock. */
export const T0 = 1_700_000_000_000;
export const HOUR = 3_600_000;

/**
 * What each part of the conformance suite receives: the store under test (available once the
 * suite's `before` hook ran) and builders that go only through the public {@link Store} API.
 * Every builder makes fresh ids, so tests share one store without seeing each other's rows.
 */
export interface StoreFixture {
  readonly store: Store;
  newUser(emailKey?: string): Promise<UserRecord>;
  newSession(
    userId: string,
    overrides?: Partial<NewSession>,
  ): Promise<{ readonly session: NewSession; readonly tokenHash: string }>;
}

export function createFixture(getStore: () => Store): StoreFixture {
  let seq = 0;
  const fixture: StoreFixture = {
    get store() {
      return getStore();
    },
    async newUser(emailKey = `user${++seq}.${randomUUID()}@example.com`) {
      return getStore().createUser({
        id: randomUUID(),
        email: emailKey,
        emailKey,
        name: null,
        passwordHash: '$argon2id$fake',
        createdAt: T0 + seq,
      });
    },
    async newSession(userId, overrides = {}) {
      const session: NewSession = {
        id: randomUUID(),
        userId,
        createdAt: T0,
        idleExpiresAt: T0 + HOUR,
        expiresAt: T0 + 10 * HOUR,
        userAgent: 'test-agent',
        ip: '127.0.0.1',
        ...overrides,
      };
      const tokenHash = `hash-${randomUUID()}`;
      await getStore().createSession(session, tokenHash);
      return { session, tokenHash };
    },
  };
  return fixture;
}
