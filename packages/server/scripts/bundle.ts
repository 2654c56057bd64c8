/**
 * `npm run build` (and `prepack`): bundles the `baton` command, `src/cli.ts`, with the libraries it
 * loads at every start, into `dist/bundle/`, which `dist/bin.js` runs.
 *
 * Why: a start spends more time finding, reading and wrapping modules (Baton's own hundred, and
 * the three hundred files of Fastify and pino under them) than running them; the same code as a
 * few files starts in about 380 ms instead of 505 (medians of 12 fresh starts each, spawn to the
 * first 200 of /healthz). The library (`createServer`, `dist/index.js`) stays unbundled: an app
 * that embeds Baton shares its own Fastify and pino.
 *
 * Left out, and loaded from `node_modules` as usual: native addons, packages that read their own
 * files at run time (`__dirname`: Swagger UI's assets, ioredis's and @fastify/swagger's
 * package.json), and those only some configurations load (PostgreSQL, Redis, mail, pretty logs).
 * prom-client is loaded through `createRequire` (src/promClient.ts), which a bundler leaves alone.
 *
 * The bundle records the versions of the direct dependencies it holds (`bundled.json`);
 * `dist/bin.js` runs the unbundled `dist/cli.js` instead when the installed ones differ, so an
 * update of, say, Fastify is never silently shadowed by the copy in the bundle.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

/** packages/server */
const PACKAGE = new URL('..', import.meta.url);

/** Not bundled: see the file's comment for why each kind stays in node_modules. */
export const NOT_BUNDLED = [
  'better-sqlite3',
  '@node-rs/argon2',
  '@fastify/swagger',
  '@fastify/swagger-ui',
  'pg',
  'pg-native',
  'ioredis',
  'nodemailer',
  'pino-pretty',
];

/** Where the bundle goes (`dist/bundle`), relative paths included: see {@link bundleCli}. */
export const BUNDLE_DIR = new URL('dist/bundle/', PACKAGE);

/**
 * Bundles `src/cli.ts` and the hashing thread's entry into `outDir` (default `dist/bundle/`):
 * ESM, one file per entry and shared chunks for the commands loaded on demand. `outDir` must be
 * two levels under the package, as `dist/auth/` is: the code finds `data/` and
 * `dist/schema-code.json` relative to its own file. Returns the bundled direct dependencies'
 * versions, also written to `bundled.json` there.
 */
export async function bundleCli(outDir: URL = BUNDLE_DIR): Promise<Record<string, string>> {
  rmSync(outDir, { recursive: true, force: true });
  const result = await build({
    entryPoints: {
      cli: fileURLToPath(new URL('src/cli.ts', PACKAGE)),
      hashingThread: fileURLToPath(new URL('src/auth/hashingThread.ts', PACKAGE)),
    },
    outdir: fileURLToPath(outDir),
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: NOT_BUNDLED,
    metafile: true,
    logLevel: 'warning',
    // The CommonJS libraries inside call `require` for Node's own modules and for the packages
    // left out; an ES module has no `require` of its own.
    banner: {
      js: "import { createRequire as batonCreateRequire } from 'node:module'; const require = batonCreateRequire(import.meta.url);",
    },
  });
  const versions = bundledDependencies(result.metafile);
  writeFileSync(new URL('bundled.json', outDir), `${JSON.stringify(versions, null, 2)}\n`);
  return versions;
}

/**
 * The direct dependencies of @baton/server whose code is in the bundle, with their versions: each
 * resolved as Baton's own code resolves it (another copy may sit deeper in node_modules).
 */
function bundledDependencies(metafile: Metafile): Record<string, string> {
  const manifest = JSON.parse(readFileSync(new URL('package.json', PACKAGE), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const require = createRequire(new URL('src/cli.ts', PACKAGE));
  const inputs = Object.keys(metafile.inputs).map((input) => resolve(input));
  const versions: Record<string, string> = {};
  for (const name of Object.keys(manifest.dependencies).sort()) {
    if (NOT_BUNDLED.includes(name) || name.startsWith('@types/')) continue;
    const entry = require.resolve(name);
    const marker = `${sep}node_modules${sep}${name.replace('/', sep)}${sep}`;
    const directory = entry.slice(0, entry.lastIndexOf(marker) + marker.length);
    if (!inputs.some((input) => input.startsWith(directory))) continue;
    const { version } = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
      version: string;
    };
    versions[name] = version;
  }
  return versions;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleCli();
