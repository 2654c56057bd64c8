import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';

/** Which code `baton` runs, and why when it is not the bundle it was built with. */
export interface Entry {
  readonly module: URL;
  /** Set when a bundle exists but is not used: for the person starting the server. */
  readonly notice?: string;
}

/**
 * The `baton` command's code: the bundle in `bundleDir` (`dist/bundle/`, see scripts/bundle.ts)
 * when there is one and the direct dependencies it holds are the versions installed; otherwise
 * `unbundled` (`dist/cli.js`), which loads every library from node_modules. So an update of a
 * library (a security fix in Fastify, say) always takes effect, at the price of a slower start
 * until Baton is built again with it. `BATON_BUNDLE=off` asks for the unbundled code.
 */
export function chooseEntry(bundleDir: URL, unbundled: URL, setting: string | undefined): Entry {
  if (setting === 'off') return { module: unbundled };
  let bundled: Record<string, string>;
  try {
    bundled = JSON.parse(readFileSync(new URL('bundled.json', bundleDir), 'utf8')) as Record<string, string>;
  } catch {
    // Built without the bundle (`tsc -b` alone): nothing to choose.
    return { module: unbundled };
  }
  const stale = staleDependencies(bundled, (name) => installedVersion(name, bundleDir));
  if (stale.length === 0) return { module: new URL('cli.js', bundleDir) };
  return {
    module: unbundled,
    notice:
      `the installed ${stale.join(', ')}, not the versions this build of Baton bundled: ` +
      'running them unbundled, which starts slower. Rebuild Baton (npm run build) to start fast again.',
  };
}

/**
 * The bundled packages whose installed version is another, as `name version` (`name (missing)`
 * when it is not installed at all).
 */
export function staleDependencies(
  bundled: Readonly<Record<string, string>>,
  installed: (name: string) => string | undefined,
): string[] {
  const stale: string[] = [];
  for (const [name, version] of Object.entries(bundled)) {
    const found = installed(name);
    if (found !== version) stale.push(`${name} ${found ?? '(missing)'}`);
  }
  return stale;
}

/**
 * The version of `name` that Node resolves from `from`, read from its package.json (found next
 * to the resolved entry: some packages do not export their package.json).
 */
export function installedVersion(name: string, from: URL): string | undefined {
  let entry: string;
  try {
    entry = createRequire(from).resolve(name);
  } catch {
    return undefined;
  }
  const marker = `${sep}node_modules${sep}${name.replaceAll('/', sep)}${sep}`;
  const at = entry.lastIndexOf(marker);
  if (at === -1) return undefined;
  const manifest = join(entry.slice(0, at + marker.length), 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version;
}
