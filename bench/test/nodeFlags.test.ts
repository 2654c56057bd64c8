/**
 * The bench measures Baton as `npm start` runs it: the same Node flags, which this Node accepts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BATON_NODE_FLAGS, REPO_ROOT } from '../lib/stacks.js';

test("BATON_NODE_FLAGS are npm start's flags", () => {
  const { scripts } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const flags = /\bnode ((?:--\S+ )*)packages\/server\/dist\/bundle\/cli\.js serve/.exec(scripts.start ?? '');
  assert.ok(flags, `npm start runs the bundle with node: ${scripts.start}`);
  assert.deepEqual(flags[1]!.trim().split(' '), [...BATON_NODE_FLAGS]);
});

test('this Node accepts every flag Baton is started with', () => {
  // A flag that a future Node dropped would stop `npm start` with "bad option"; caught here first.
  execFileSync(process.execPath, [...BATON_NODE_FLAGS, '-e', '0'], { stdio: 'pipe' });
  assert.throws(() =>
    execFileSync(process.execPath, ['--no-such-v8-flag-here', '-e', '0'], { stdio: 'pipe' }),
  );
});
