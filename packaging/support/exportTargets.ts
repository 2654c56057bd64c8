/**
 * What a package's `exports` hands to each kind of consumer, resolved the way Node's
 * PACKAGE_TARGET_RESOLVE does it: the first key, in the object's order, that is `default` or an
 * active condition wins.
 */

/**
 * The conditions that consumers' tools turn on by themselves. Vite and `@angular/build` add
 * `development` to every development build: an export that answers it with sources would hand
 * them files that only exist in this repository.
 */
export const CONSUMER_CONDITIONS: Readonly<Record<string, readonly string[]>> = {
  'Node (import)': ['node', 'import'],
  'TypeScript (node16, bundler)': ['types', 'import', 'node'],
  'Vite or @angular/build, development build': ['browser', 'import', 'module', 'development'],
  'Vite or @angular/build, production build': ['browser', 'import', 'module', 'production'],
};

function resolveTarget(target: unknown, conditions: readonly string[]): string | undefined {
  if (typeof target === 'string') return target;
  if (target === null || typeof target !== 'object' || Array.isArray(target)) return undefined;
  for (const [condition, nested] of Object.entries(target)) {
    if (condition !== 'default' && !conditions.includes(condition)) continue;
    const resolved = resolveTarget(nested, conditions);
    if (resolved !== undefined) return resolved;
  }
  return undefined;
}

/** The subpaths of an `exports` field (`"."`, `"./conformance"`, ...) with their targets. */
export function exportedSubpaths(exportsField: unknown): Map<string, unknown> {
  if (typeof exportsField === 'string') return new Map([['.', exportsField]]);
  if (exportsField === null || typeof exportsField !== 'object') return new Map();
  const entries = Object.entries(exportsField);
  const subpathKeys = entries.every(([key]) => key.startsWith('.'));
  return subpathKeys ? new Map(entries) : new Map([['.', exportsField]]);
}

/** The file (`./dist/index.js`) that `subpath` gives to a resolver with `conditions` on. */
export function resolveExport(exportsField: unknown, subpath: string, conditions: readonly string[]) {
  return resolveTarget(exportedSubpaths(exportsField).get(subpath), conditions);
}
