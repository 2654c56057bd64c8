/**
 * The published packages as a user gets them: `npm pack` of each, installed from the tarballs
 * into two scratch projects in a temp directory outside the repository (a Node backend and an
 * Angular app, as they would be in real life), with the registry (through the npm cache) for
 * everything else.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { freePort, spawnUntilHealthy } from '../../packages/server/test/support/serverProcess.js';
import { CONSUMER_CONDITIONS, exportedSubpaths, resolveExport } from '../support/exportTargets.js';
import { betterSqlitePrebuild } from '../support/nativePrebuild.js';
import { installScratchProject, type ScratchProject } from '../support/scratchProject.js';
import { packPublished, type Tarball } from '../support/tarballs.js';
import { REPO_ROOT, run, runOrThrow, userEnv } from '../support/userShell.js';

const MINUTES = 60_000;
const work = await mkdtemp(path.join(os.tmpdir(), 'baton-packaging-'));
const keep = process.env.BATON_PACKAGING_KEEP === '1';

/** Started once in `before`; each test awaits what it needs, so each also runs alone. */
let tarballs: Promise<Tarball[]>;
let nodeProject: Promise<ScratchProject>;
let angularProject: Promise<ScratchProject>;
let nodeBuild: Promise<Awaited<ReturnType<typeof run>>> | undefined;

/** The Node consumer compiled with `moduleResolution: node16` into `build/`, once. */
function compiledNodeConsumer() {
  nodeBuild ??= nodeProject.then(({ dir }) =>
    run('npx', ['tsc', '-p', 'tsconfig.node16.json'], { cwd: dir }),
  );
  return nodeBuild;
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [left, right] = await Promise.all([readFile(a), readFile(b)]);
  return left.equals(right);
}

function assertCompiled(result: Awaited<ReturnType<typeof run>>, what: string) {
  assert.equal(result.code, 0, `${what} does not typecheck against the packed types:\n${result.output}`);
}

before(() => {
  tarballs = packPublished(path.join(work, 'tarballs'));
  // The two installs run side by side. The backend's gets better-sqlite3's binary as a prebuild,
  // as a user's install downloads it (see support/nativePrebuild.ts).
  nodeProject = Promise.all([tarballs, betterSqlitePrebuild(path.join(work, 'prebuilds'))]).then(
    ([packed, installEnv]) =>
      installScratchProject(
        path.join(work, 'node-consumer'),
        {
          fixture: 'node-consumer',
          batonPackages: ['@baton/server', '@baton/client'],
          dependencies: [],
          devDependencies: ['typescript'],
          newestDevDependencies: ['@types/node'],
          allowScripts: ['better-sqlite3'],
          installEnv,
        },
        packed,
      ),
  );
  angularProject = tarballs.then((packed) =>
    installScratchProject(
      path.join(work, 'angular-consumer'),
      {
        fixture: 'angular-consumer',
        batonPackages: ['@baton/angular', '@baton/client'],
        dependencies: [
          '@angular/common',
          '@angular/compiler',
          '@angular/core',
          '@angular/platform-browser',
          '@angular/router',
          'rxjs',
          'tslib',
        ],
        devDependencies: ['@angular/build', '@angular/cli', '@angular/compiler-cli', 'typescript'],
      },
      packed,
    ),
  );
  // Awaited by the tests; these only keep an early failure from being an unhandled rejection.
  nodeProject.catch(() => {});
  angularProject.catch(() => {});
});

after(async () => {
  await Promise.allSettled([nodeProject, angularProject, nodeBuild]);
  if (keep) console.log(`scratch projects kept in ${work}`);
  else await rm(work, { recursive: true, force: true });
});

describe('the tarballs', () => {
  it('hold dist, the src its maps point at, README, LICENSE and package.json, and nothing else', async () => {
    const license = await readFile(path.join(REPO_ROOT, 'LICENSE'), 'utf8');
    for (const tarball of await tarballs) {
      const shipped =
        /^(package\.json|README\.md|LICENSE|dist\/.+\.(js|d\.ts|js\.map|d\.ts\.map)|src\/.+\.ts)$/;
      // The server also ships its word list and the schema code its build generates.
      const extra =
        tarball.name === '@baton/server' ? /^(data\/common-passwords\.txt|dist\/schema-code\.json)$/ : /^$/;
      const unexpected = [...tarball.files].filter((file) => !shipped.test(file) && !extra.test(file));
      assert.deepEqual(unexpected, [], `${tarball.name} ships files it should not`);
      assert.ok(
        ![...tarball.files].some((file) => /\.test\.|\/test\//.test(file)),
        `${tarball.name} ships tests`,
      );
      for (const file of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']) {
        assert.ok(tarball.files.has(file), `${tarball.name} lacks ${file}`);
      }
      if (tarball.name === '@baton/server') {
        assert.ok(
          tarball.files.has('dist/schema-code.json'),
          'the server ships the schema code its build made',
        );
        // The `baton` command: Baton's code bundled by packages/server/scripts/bundle.ts.
        for (const file of ['dist/bundle/cli.js', 'dist/bundle/hashingThread.js'])
          assert.ok(tarball.files.has(file), `the server lacks ${file}`);
      }
      assert.ok(
        (await readFile(path.join(tarball.unpacked, 'LICENSE'), 'utf8')).startsWith(license),
        `${tarball.name}'s LICENSE is not the repository's`,
      );
      assert.equal(
        tarball.manifest.publishConfig?.access,
        'public',
        `${tarball.name} has no publishConfig.access`,
      );
    }
  });

  it('have source and declaration maps that point only at files inside the tarball', async () => {
    for (const tarball of await tarballs) {
      const maps = [...tarball.files].filter((file) => file.endsWith('.map'));
      assert.ok(maps.length > 0, `${tarball.name} has no maps`);
      for (const map of maps) {
        const { sources, sourceRoot = '' } = JSON.parse(
          await readFile(path.join(tarball.unpacked, map), 'utf8'),
        ) as {
          sources: string[];
          sourceRoot?: string;
        };
        for (const source of sources) {
          const target = path.posix.join(path.posix.dirname(map), sourceRoot, source);
          assert.ok(
            tarball.files.has(target),
            `${tarball.name}: ${map} points at ${target}, which does not ship`,
          );
        }
      }
    }
  });

  it('export, to every consumer tool, compiled files that ship; the source condition is ours alone', async () => {
    for (const tarball of await tarballs) {
      const subpaths = exportedSubpaths(tarball.manifest.exports);
      assert.ok(subpaths.has('.'), `${tarball.name} exports no "."`);
      for (const subpath of subpaths.keys()) {
        for (const [tool, conditions] of Object.entries(CONSUMER_CONDITIONS)) {
          const target = resolveExport(tarball.manifest.exports, subpath, conditions) ?? '(nothing)';
          const what = `${tarball.name} "${subpath}" for ${tool}`;
          assert.ok(target.startsWith('./dist/'), `${what} resolves to ${target}, not to dist/`);
          assert.ok(tarball.files.has(target.slice(2)), `${what} resolves to ${target}, which does not ship`);
          if (conditions.includes('types'))
            assert.ok(target.endsWith('.d.ts'), `${what} is not a declaration`);
        }
        for (const [condition, target] of Object.entries(subpaths.get(subpath) ?? {})) {
          if (typeof target === 'string' && target.startsWith('./src/')) {
            assert.match(
              condition,
              /^@baton\//,
              `${tarball.name} "${subpath}" gives sources to "${condition}"`,
            );
          }
        }
      }
      for (const [name, range] of Object.entries(tarball.manifest.dependencies ?? {})) {
        assert.doesNotMatch(
          range,
          /^(file|link|workspace):/,
          `${tarball.name} depends on ${name} through ${range}`,
        );
      }
    }
  });
});

describe('an Angular 21 app using @baton/angular', () => {
  it('builds with ng build in development mode, bundling dist and never src', {
    timeout: 15 * MINUTES,
  }, async (t) => {
    const { dir, installSeconds } = await angularProject;
    t.diagnostic(`npm install of the Angular project: ${installSeconds.toFixed(0)} s`);
    const built = await runOrThrow('npx', ['ng', 'build'], { cwd: dir });
    t.diagnostic(`ng build: ${built.seconds.toFixed(0)} s`);
    // The esbuild metafile lists every input of the bundle. A development build sets the
    // `development` condition, so an export answering it with sources would show here.
    const stats = JSON.parse(await readFile(path.join(dir, 'dist', 'stats.json'), 'utf8')) as {
      inputs: Record<string, unknown>;
    };
    const ours = Object.keys(stats.inputs).filter((input) => input.includes('node_modules/@baton/'));
    assert.ok(
      ours.some((input) => input.endsWith('node_modules/@baton/angular/dist/index.js')),
      ours.join('\n'),
    );
    assert.ok(
      ours.some((input) => input.includes('node_modules/@baton/client/dist/')),
      ours.join('\n'),
    );
    assert.deepEqual(
      ours.filter((input) => !/node_modules\/@baton\/[^/]+\/dist\//.test(input)),
      [],
      'bundled from outside dist/',
    );
  });

  it('typechecks against the packed types with moduleResolution node16', {
    timeout: 15 * MINUTES,
  }, async () => {
    const { dir } = await angularProject;
    assertCompiled(await run('npx', ['tsc', '-p', 'tsconfig.node16.json'], { cwd: dir }), 'src/main.ts');
  });
});

describe('a Node backend using @baton/server and @baton/client', () => {
  it('typechecks against the packed types with moduleResolution node16', {
    timeout: 15 * MINUTES,
  }, async (t) => {
    const { dir, installSeconds } = await nodeProject;
    const binary = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    const prebuilt = await sameBytes(path.join(dir, binary), path.join(REPO_ROOT, binary));
    t.diagnostic(
      `npm install of the Node project: ${installSeconds.toFixed(0)} s (better-sqlite3 ${prebuilt ? 'from the prebuild' : 'compiled'})`,
    );
    assertCompiled(await compiledNodeConsumer(), 'src/');
  });

  it('typechecks against the packed types with moduleResolution bundler', {
    timeout: 15 * MINUTES,
  }, async () => {
    const { dir } = await nodeProject;
    assertCompiled(await run('npx', ['tsc', '-p', 'tsconfig.bundler.json'], { cwd: dir }), 'src/');
  });

  it('stores schema code for the compilers npm installed with npx baton schema-code', {
    timeout: 15 * MINUTES,
  }, async (t) => {
    const { dir } = await nodeProject;
    const module = pathToFileURL(path.join(dir, 'node_modules/@baton/server/dist/http/schemaCode.js')).href;
    const probe = async () => {
      const script = `const { loadSchemaCode } = await import(${JSON.stringify(module)});
        const { validators, serializers, setAside } = loadSchemaCode();
        console.log(JSON.stringify({ validators: Object.keys(validators).length,
          serializers: Object.keys(serializers).length, setAside }));`;
      const { stdout } = await runOrThrow('node', ['--input-type=module', '-e', script], { cwd: dir });
      return JSON.parse(stdout) as { validators: number; serializers: number; setAside: string[] };
    };
    // As packed, the code is the build's: usable only where npm resolved the same compilers.
    t.diagnostic(`as installed: ${JSON.stringify(await probe())}`);
    const { stdout } = await runOrThrow('npx', ['baton', 'schema-code'], { cwd: dir });
    assert.match(
      stdout,
      /stored the code of \d+ schemas in .*node_modules\/@baton\/server\/dist\/schema-code\.json/,
    );
    const stored = await probe();
    assert.deepEqual(stored.setAside, []);
    assert.ok(stored.validators > 10 && stored.serializers > 10, JSON.stringify(stored));
  });

  it('registers, calls /todos with the bearer and refreshes against npx baton serve', {
    timeout: 15 * MINUTES,
  }, async () => {
    const { dir } = await nodeProject;
    assertCompiled(await compiledNodeConsumer(), 'src/');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = await spawnUntilHealthy('npx', ['baton', 'serve'], {
      cwd: dir,
      baseEnv: userEnv(),
      env: {
        BATON_HOST: '127.0.0.1',
        BATON_PORT: String(port),
        BATON_DATA_DIR: path.join(dir, 'data'),
        BATON_LOG_LEVEL: 'warn',
      },
      healthUrl: `${url}/healthz`,
      processGroup: true,
    });
    try {
      const session = await runOrThrow('node', ['build/clientSession.js', url], { cwd: dir });
      const seen = JSON.parse(session.stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
      assert.deepEqual(seen, {
        user: 'ada@example.com',
        withoutBearer: 401,
        created: 201,
        listed: 200,
        titles: ['install Baton from its tarball'],
        accessTokenChanged: true,
        refreshTokenRotated: true,
        events: ['initial-session', 'signed-in', 'refreshed', 'signed-out'],
      });
    } finally {
      await server.stop();
    }
  });

  it('runs the Store conformance suite of @baton/server/conformance with node --test', {
    timeout: 15 * MINUTES,
  }, async () => {
    const { dir } = await nodeProject;
    assertCompiled(await compiledNodeConsumer(), 'src/');
    const suite = await run('node', ['--test', 'build/storeConformance.test.js'], { cwd: dir });
    assert.equal(suite.code, 0, suite.output);
    assert.match(suite.output, /^# fail 0$/m);
    const passed = Number(/^# pass (\d+)$/m.exec(suite.output)?.[1]);
    assert.ok(passed >= 10, `only ${passed} conformance tests passed:\n${suite.output}`);
  });
});
