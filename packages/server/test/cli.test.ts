import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { baton, describeAdministration } from './support/cli.js';
import { startServer } from './support/server.js';

describe('baton --help', () => {
  it('lists every command, and each command explains itself', async () => {
    const top = await baton(['--help'], {});
    assert.equal(top.code, 0);
    for (const command of ['serve', 'migrate', 'users', 'sessions', 'keys', 'mail', 'schema-code'])
      assert.match(top.stdout, new RegExp(command));
    const helps = await Promise.all(
      [
        ['serve'],
        ['migrate'],
        ['users'],
        ['users', 'create'],
        ['users', 'delete'],
        ['sessions'],
        ['keys'],
        ['mail'],
        ['mail', 'retry'],
        ['schema-code'],
      ].map((args) => baton([...args, '--help'], {})),
    );
    for (const help of helps) {
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /^Usage: baton /);
    }
  });

  it('refuses an unknown command or option with exit code 2', async () => {
    assert.equal((await baton(['frobnicate'], {})).code, 2);
    const bad = await baton(['migrate', '--nope'], {});
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /baton: /);
  });
});

describeAdministration('SQLite', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-cli-'));
  return {
    env: { BATON_DATA_DIR: dataDir },
    server: () => startServer({ dataDir }),
    async done() {
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
