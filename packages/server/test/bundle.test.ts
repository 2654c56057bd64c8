/**
 * The `baton` command as the package ships it: Baton's own code bundled by scripts/bundle.ts into
 * dist/bundle/, every library loaded from node_modules.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import { bundleCli } from '../scripts/bundle.js';
import { startServerProcess } from './support/serverProcess.js';

const SERVER_PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const REPO_NODE_MODULES = fileURLToPath(new URL('../../../node_modules', import.meta.url));

describe('the bundled baton command', () => {
  // A package laid out as installed: dist/bundle/ two levels down, data/ and node_modules beside.
  let root: string;
  let bundleDir: URL;
  let metafile: Metafile;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'baton-bundle-'));
    symlinkSync(join(SERVER_PACKAGE, 'data'), join(root, 'data'));
    symlinkSync(REPO_NODE_MODULES, join(root, 'node_modules'));
    bundleDir = pathToFileURL(join(root, 'dist', 'bundle/'));
    metafile = await bundleCli(bundleDir);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('serves: registers through its own hashing thread and lists todos', async () => {
    const server = await startServerProcess(
      { BATON_DATA_DIR: join(root, 'data-dir') },
      { baton: [process.execPath, fileURLToPath(new URL('cli.js', bundleDir))], cwd: root },
    );
    try {
      // Registration hashes the password on a hashing thread: the bundle's own entry for it.
      const registered = await fetch(`${server.url}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'bundle@example.com', password: 'correct horse battery staple' }),
      });
      assert.equal(registered.status, 201);
      const { accessToken } = (await registered.json()) as { accessToken: string };
      const todos = await fetch(`${server.url}/todos`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      assert.equal(todos.status, 200);
      assert.deepEqual(await todos.json(), []);
    } finally {
      await server.stop();
    }
  });

  it("holds Baton's code and no library's: those load from node_modules, as installed", () => {
    const inputs = Object.keys(metafile.inputs);
    assert.ok(inputs.some((input) => input.endsWith('src/app.ts')));
    assert.deepEqual(
      inputs.filter((input) => input.includes('node_modules')),
      [],
    );
    const cli = readFileSync(new URL('cli.js', bundleDir), 'utf8');
    assert.ok(cli.startsWith('#!/usr/bin/env node\n'), 'the bin keeps its interpreter line');
  });

  it("is the package's bin", () => {
    const manifest = JSON.parse(readFileSync(join(SERVER_PACKAGE, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      scripts: Record<string, string>;
    };
    assert.deepEqual(manifest.bin, { baton: './dist/bundle/cli.js' });
    for (const script of ['build', 'prepack'])
      assert.match(manifest.scripts[script] ?? '', /scripts\/bundle\.ts/);
  });
});
