/**
 * `npm run build` (and `prepack`): bundles Baton's own code of the `baton` command, `src/cli.ts`
 * and the hashing thread's entry, into `dist/bundle/`, where the package's `bin` points.
 *
 * Why: a start spent a tenth of its time finding, reading and linking Baton's hundred ES modules.
 * As a few files they start in 413 ms instead of 477 (medians of 12 fresh starts each, spawn to
 * the first 200 of /healthz, interleaved, on 2 cores), and a request costs the same (both under
 * the same load at once for 10 rounds: CPU per request within the noise, the bundle's lower in 7).
 *
 * Every library stays in node_modules, loaded as Node loads it: an update of Fastify or a fix in
 * one of its dependencies (`npm audit fix`) takes effect as it would without the bundle, and the
 * native addons, and the packages that read files next to their own (Swagger UI's assets), work as
 * they do. Bundling Fastify, pino and the rest too started in 358 ms, but cost 4-8% more CPU per
 * protected GET in the same measurement (Node's own `process.nextTick` showed ten times its self
 * time in the profile; the cause was not found), and a bundled library would no longer follow the
 * installed version.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

/** packages/server */
const PACKAGE = new URL('..', import.meta.url);

/** Where the bundle goes: the package's `bin` is `dist/bundle/cli.js`. */
const BUNDLE_DIR = new URL('dist/bundle/', PACKAGE);

/**
 * Bundles `src/cli.ts` and `src/auth/hashingThread.ts` into `outDir` (default `dist/bundle/`): ES
 * modules, one file per entry and shared chunks for the commands loaded on demand, every package
 * imported from node_modules. `outDir` must be two levels under the package, as `dist/auth/` is:
 * the code finds `data/` and `dist/schema-code.json` relative to its own file. Returns esbuild's
 * account of what went in.
 */
export async function bundleCli(outDir: URL = BUNDLE_DIR): Promise<Metafile> {
  rmSync(outDir, { recursive: true, force: true });
  const result = await build({
    entryPoints: {
      cli: fileURLToPath(new URL('src/cli.ts', PACKAGE)),
      hashingThread: fileURLToPath(new URL('src/auth/hashingThread.ts', PACKAGE)),
    },
    outdir: fileURLToPath(outDir),
    bundle: true,
    splitting: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleCli();
