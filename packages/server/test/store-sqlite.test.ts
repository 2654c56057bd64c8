import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describeStoreConformance } from '../src/store/conformance.js';
import { createSqliteStore } from '../src/store/index.js';

// The shared Store conformance suite against a real SQLite file in a fresh temp directory.
describeStoreConformance('SQLite', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-sqlite-'));
  const store = createSqliteStore({ filename: path.join(dir, 'baton.sqlite') });
  return {
    store,
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
