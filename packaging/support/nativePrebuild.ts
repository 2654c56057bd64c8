/**
 * better-sqlite3's prebuilt binary, as a user's install gets it. Its install script asks
 * `prebuild-install` for the binary of its version, Node ABI, platform and architecture, and
 * compiles SQLite from source only when none can be had. On a user's machine the download
 * answers; here it cannot (no site but the registries is reachable), so the scratch install
 * would compile for minutes, a path the workspace's own `npm ci` already takes and proves.
 * Instead the binary that `npm ci` compiled is offered as that prebuild, in the directory
 * `prebuild-install` looks in before it downloads.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT, runOrThrow } from './userShell.js';

const PACKAGE = path.join(REPO_ROOT, 'node_modules/better-sqlite3');
const BINARY = 'build/Release/better_sqlite3.node';

/**
 * Packs the workspace's compiled better-sqlite3 into `dir` under the name `prebuild-install`
 * asks for, and returns the environment that points it there (`npm_config_<package>_local_prebuilds`).
 * An empty environment when the workspace has no compiled binary: the install then compiles.
 */
export async function betterSqlitePrebuild(dir: string): Promise<Record<string, string>> {
  if (!existsSync(path.join(PACKAGE, BINARY))) return {};
  const { version } = JSON.parse(readFileSync(path.join(PACKAGE, 'package.json'), 'utf8')) as {
    version: string;
  };
  // prebuild-install's name for it: {name}-v{version}-{runtime}-v{abi}-{platform}{libc}-{arch}.tar.gz
  // (libc is empty for glibc, which Debian's Node is built against).
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  await mkdir(dir, { recursive: true });
  await runOrThrow('tar', ['-czf', path.join(dir, name), '-C', PACKAGE, BINARY], { cwd: dir });
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}
