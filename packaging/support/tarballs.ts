/** The published packages of the workspace, packed by `npm pack` as `npm publish` would pack them. */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT, runOrThrow } from './userShell.js';

export interface PackageManifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly exports?: unknown;
  readonly files?: readonly string[];
  readonly publishConfig?: { readonly access?: string };
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

export interface Tarball {
  readonly name: string;
  /** Absolute path of the `.tgz`. */
  readonly file: string;
  /** Its contents, unpacked: the directory that holds its `package.json`. */
  readonly unpacked: string;
  /** Every path in it, relative to the package root, with `/`. */
  readonly files: ReadonlySet<string>;
  readonly manifest: PackageManifest;
}

async function readManifest(dir: string): Promise<PackageManifest> {
  return JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as PackageManifest;
}

/** The workspaces of the root `package.json` that are not private: the ones `npm publish` sends. */
export async function publishedWorkspaces(): Promise<PackageManifest[]> {
  const root = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    workspaces: readonly string[];
  };
  const manifests = await Promise.all(root.workspaces.map((dir) => readManifest(path.join(REPO_ROOT, dir))));
  return manifests.filter((manifest) => manifest.private !== true);
}

/**
 * `npm pack` of every published workspace into `destination` (each runs its `prepack`, a clean
 * build), each tarball then unpacked beside it to look inside.
 */
export async function packPublished(destination: string): Promise<Tarball[]> {
  await mkdir(destination, { recursive: true });
  const workspaces = await publishedWorkspaces();
  const packed = await runOrThrow(
    'npm',
    ['pack', ...workspaces.flatMap(({ name }) => ['-w', name]), '--pack-destination', destination, '--json'],
    { cwd: REPO_ROOT },
  );
  const reports = JSON.parse(packed.stdout) as {
    name: string;
    filename: string;
    files: { path: string }[];
  }[];
  return Promise.all(
    reports.map(async (report) => {
      const file = path.join(destination, report.filename);
      const into = path.join(destination, report.filename.replace(/\.tgz$/, ''));
      await mkdir(into);
      await runOrThrow('tar', ['-xzf', file, '-C', into], { cwd: destination });
      const unpacked = path.join(into, 'package');
      return {
        name: report.name,
        file,
        unpacked,
        files: new Set(report.files.map((entry) => entry.path)),
        manifest: await readManifest(unpacked),
      };
    }),
  );
}

/** The version of `name` installed in the workspace, so a scratch project gets it from the npm cache. */
export async function workspaceVersion(name: string): Promise<string> {
  const manifest = path.join(REPO_ROOT, 'node_modules', name, 'package.json');
  const found = await readFile(manifest, 'utf8').catch(() => {
    throw new Error(`${name} is not installed at the workspace root (${manifest}): run npm ci first`);
  });
  return (JSON.parse(found) as PackageManifest).version;
}
