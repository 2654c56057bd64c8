/**
 * A consumer's project in a temp directory outside the repository: a fixture's files plus a
 * `package.json` naming the packed tarballs, installed by npm from the tarballs and the registry
 * (through the npm cache). No workspace, no link into this repository.
 */
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Tarball, workspaceVersion } from './tarballs.js';
import { runOrThrow } from './userShell.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

export interface ScratchProjectSpec {
  /** A directory of `fixtures/` whose files the project starts with. */
  readonly fixture: string;
  /** Our packages it depends on, by name. */
  readonly batonPackages: readonly string[];
  /** Registry packages, at the version installed in the workspace (so the npm cache has them). */
  readonly dependencies: readonly string[];
  readonly devDependencies: readonly string[];
  /**
   * Registry packages at their newest version, as an app's own install resolves them: our types
   * must hold against what the app gets, not against the workspace's pin (`@types/node` reaches
   * every app through `@types/pg`'s `*`).
   */
  readonly newestDevDependencies?: readonly string[];
  /** Packages whose install scripts npm may run (npm 11 asks for this in `allowScripts`). */
  readonly allowScripts?: readonly string[];
  /** Environment of the install, over the user's (such as where a native prebuild is). */
  readonly installEnv?: Record<string, string>;
}

export interface ScratchProject {
  readonly dir: string;
  /** How long `npm install` took. */
  readonly installSeconds: number;
}

async function pinned(names: readonly string[]): Promise<Record<string, string>> {
  return Object.fromEntries(
    await Promise.all(names.map(async (name) => [name, await workspaceVersion(name)])),
  );
}

/**
 * Copies the fixture to `dir`, writes its `package.json` and runs `npm install --prefer-offline`.
 * `overrides` pin every dependency on one of our packages (`@baton/angular` on `@baton/client`)
 * to its tarball: without them npm would look the name up on the registry.
 */
export async function installScratchProject(
  dir: string,
  spec: ScratchProjectSpec,
  tarballs: readonly Tarball[],
): Promise<ScratchProject> {
  await cp(path.join(FIXTURES, spec.fixture), dir, { recursive: true });
  const tarballOf = (name: string) => {
    const tarball = tarballs.find((candidate) => candidate.name === name);
    if (!tarball) throw new Error(`${name} was not packed`);
    return `file:${tarball.file}`;
  };
  const manifest = {
    name: `baton-${spec.fixture}`,
    private: true,
    type: 'module',
    dependencies: {
      ...Object.fromEntries(spec.batonPackages.map((name) => [name, tarballOf(name)])),
      ...(await pinned(spec.dependencies)),
    },
    devDependencies: {
      ...(await pinned(spec.devDependencies)),
      ...Object.fromEntries((spec.newestDevDependencies ?? []).map((name) => [name, 'latest'])),
    },
    overrides: Object.fromEntries(spec.batonPackages.map((name) => [name, `$${name}`])),
    ...(spec.allowScripts
      ? { allowScripts: Object.fromEntries(spec.allowScripts.map((name) => [name, true])) }
      : {}),
  };
  await writeFile(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const installed = await runOrThrow('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: dir,
    ...(spec.installEnv ? { env: spec.installEnv } : {}),
  });
  return { dir, installSeconds: installed.seconds };
}
