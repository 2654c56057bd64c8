/**
 * The bundled `baton` command (scripts/bundle.ts) and the choice `dist/bin.js` makes between it
 * and the unbundled code (src/bundled.ts).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { bundleCli } from '../scripts/bundle.js';
import { chooseEntry, installedVersion, staleDependencies } from '../src/bundled.js';
import { freePort, spawnUntilHealthy } from './support/serverProcess.js';

const execFileAsync = promisify(execFile);
const SERVER_PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const REPO_NODE_MODULES = fileURLToPath(new URL('../../../node_modules', import.meta.url));

describe('the bundled baton command', () => {
  // A package laid out as installed: dist/bundle/ two levels down, data/ and node_modules beside.
  let root: string;
  let bundleDir: URL;
  let bundled: Record<string, string>;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'baton-bundle-'));
    symlinkSync(join(SERVER_PACKAGE, 'data'), join(root, 'data'));
    symlinkSync(REPO_NODE_MODULES, join(root, 'node_modules'));
    bundleDir = pathToFileURL(join(root, 'dist', 'bundle/'));
    bundled = await bundleCli(bundleDir);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('serves: registers (the hashing thread is the bundled one), lists todos, serves /docs and its assets', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = await spawnUntilHealthy(
      process.execPath,
      [fileURLToPath(new URL('cli.js', bundleDir)), 'serve'],
      {
        cwd: root,
        env: {
          BATON_HOST: '127.0.0.1',
          BATON_PORT: String(port),
          BATON_DATA_DIR: join(root, 'data-dir'),
          BATON_LOG_LEVEL: 'warn',
        },
        healthUrl: `${url}/healthz`,
      },
    );
    try {
      const registered = await fetch(`${url}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'bundle@example.com', password: 'correct horse battery staple' }),
      });
      assert.equal(registered.status, 201);
      const { accessToken } = (await registered.json()) as { accessToken: string };
      const todos = await fetch(`${url}/todos`, { headers: { authorization: `Bearer ${accessToken}` } });
      assert.equal(todos.status, 200);
      assert.deepEqual(await todos.json(), []);
      // Swagger UI reads its assets from its own package directory: it must not be bundled.
      const asset = await fetch(`${url}/docs/static/swagger-ui.css`);
      assert.equal(asset.status, 200);
      assert.ok((await asset.text()).length > 10_000);
    } finally {
      await server.stop();
    }
  });

  it('records the versions it holds of Fastify, pino and the other direct dependencies, the installed ones', () => {
    assert.ok(bundled.fastify && bundled.pino, JSON.stringify(bundled));
    assert.equal(bundled['better-sqlite3'], undefined, 'a native addon is never bundled');
    assert.deepEqual(
      staleDependencies(bundled, (name) => installedVersion(name, bundleDir)),
      [],
    );
    assert.equal(
      chooseEntry(bundleDir, new URL('file:///unbundled/cli.js'), undefined).module.href,
      new URL('cli.js', bundleDir).href,
    );
  });

  it('is set aside, with a notice naming the library, when an installed version differs; and on BATON_BUNDLE=off', () => {
    const unbundled = new URL('file:///unbundled/cli.js');
    writeFileSync(new URL('bundled.json', bundleDir), JSON.stringify({ ...bundled, fastify: '5.0.0-old' }));
    const stale = chooseEntry(bundleDir, unbundled, undefined);
    assert.equal(stale.module, unbundled);
    assert.match(
      stale.notice ?? '',
      new RegExp(`installed fastify ${bundled.fastify?.replaceAll('.', '\\.')},`),
    );
    assert.match(stale.notice ?? '', /starts slower/);
    writeFileSync(new URL('bundled.json', bundleDir), JSON.stringify(bundled));
    assert.deepEqual(chooseEntry(bundleDir, unbundled, 'off'), { module: unbundled });
  });

  it('is what dist/bin.js runs, unless BATON_BUNDLE=off or its libraries are stale, then it says why on stderr', async () => {
    // dist/bin.js as tsc makes it (one file here), and a marker in place of the unbundled dist/cli.js.
    await build({
      entryPoints: [fileURLToPath(new URL('../src/bin.ts', import.meta.url))],
      outfile: join(root, 'dist', 'bin.js'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'warning',
    });
    writeFileSync(
      join(root, 'dist', 'cli.js'),
      "console.log('unbundled', process.argv.slice(2).join(' '));\n",
    );
    const bin = (env: Record<string, string>) =>
      execFileAsync(process.execPath, [join(root, 'dist', 'bin.js'), '--help'], {
        env: { ...process.env, ...env },
      });
    assert.match((await bin({})).stdout, /^Usage: baton <command>/);
    assert.deepEqual(await bin({ BATON_BUNDLE: 'off' }), { stdout: 'unbundled --help\n', stderr: '' });
    writeFileSync(new URL('bundled.json', bundleDir), JSON.stringify({ ...bundled, pino: '1.0.0' }));
    try {
      const stale = await bin({});
      assert.equal(stale.stdout, 'unbundled --help\n');
      assert.match(
        stale.stderr,
        /^baton: the installed pino \S+, not the versions this build of Baton bundled/,
      );
    } finally {
      writeFileSync(new URL('bundled.json', bundleDir), JSON.stringify(bundled));
    }
  });

  it('is not looked for where none was built (tsc alone): the unbundled code runs, without a notice', () => {
    const empty = pathToFileURL(join(root, 'no-bundle/'));
    mkdirSync(empty);
    const unbundled = new URL('file:///unbundled/cli.js');
    assert.deepEqual(chooseEntry(empty, unbundled, undefined), { module: unbundled });
  });

  it('names a bundled library that is not installed at all', () => {
    assert.deepEqual(
      staleDependencies({ fastify: '5.1.0', gone: '1.0.0' }, (name) =>
        name === 'fastify' ? '5.1.0' : undefined,
      ),
      ['gone (missing)'],
    );
  });
});
