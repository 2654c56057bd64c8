import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeAccounts } from './conformance/accounts.js';
import { createFixture } from './conformance/fixture.js';
import { describeRecords } from './conformance/records.js';
import { describeRecovery } from './conformance/recovery.js';
import { describeRotation } from './conformance/rotation.js';
import type { Store } from './store.js';

/** What a store implementation hands the suite: a fresh store and how to dispose of it. */
export interface StoreUnderTest {
  readonly store: Store;
  /** Closes the store and removes whatever it created (a temp file, a schema). */
  cleanup(): Promise<void>;
}

/**
 * The one conformance suite every {@link Store} must pass, written only against the interface:
 * the SQLite and PostgreSQL stores run these very tests. The suite migrates the store itself, so
 * `makeStore` should hand over an empty, unmigrated one.
 *
 * @example
 * describeStoreConformance('SQLite', async () => {
 *   const store = createSqliteStore({ filename: path.join(tmpDir, 'baton.sqlite') });
 *   return { store, cleanup: () => store.close() };
 * });
 */
export function describeStoreConformance(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`Store conformance: ${name}`, () => {
    let subject: StoreUnderTest | undefined;
    const fixture = createFixture(() => {
      if (!subject) throw new Error('the store is not open yet');
      return subject.store;
    });
    before(async () => {
      subject = await makeStore();
      await subject.store.migrate();
    });
    after(async () => {
      await subject?.cleanup();
    });

    it('migrates idempotently: again, and three times at once, keeping every row', async () => {
      const user = await fixture.newUser();
      const { tokenHash } = await fixture.newSession(user.id);
      await fixture.store.migrate();
      await Promise.all([fixture.store.migrate(), fixture.store.migrate(), fixture.store.migrate()]);
      assert.deepEqual(await fixture.store.findUserById(user.id), user);
      assert.equal((await fixture.store.findRefreshToken(tokenHash))?.tokenHash, tokenHash);
    });

    describeAccounts(fixture);
    describeRotation(fixture);
    describeRecords(fixture);
    describeRecovery(fixture);
  });
}
