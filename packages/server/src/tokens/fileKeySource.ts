import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KeySource, StoredKey } from './keys.js';

/**
 * Keeps signing keys in `signing-keys.json` under the data directory, readable by the owner only
 * (mode 0600): the private keys never leave the machine that runs the embedded SQLite store.
 * Writes go to a temporary file that is renamed into place, so a crash never leaves half a file.
 */
export function fileKeySource(dataDir: string, file = path.join(dataDir, 'signing-keys.json')): KeySource {
  const read = async (): Promise<StoredKey[]> => {
    try {
      const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
      if (!Array.isArray(parsed)) throw new Error(`${file} does not hold a list of keys`);
      return parsed as StoredKey[];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  };
  return {
    async list() {
      return (await read()).sort((a, b) => b.createdAt - a.createdAt);
    },
    async add(key) {
      const retired = (await read()).map((old) =>
        old.retiredAt === null ? { ...old, retiredAt: key.createdAt } : old,
      );
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, `${JSON.stringify([key, ...retired], null, 2)}\n`, {
        mode: 0o600,
        flush: true,
      });
      await rename(temporary, file);
    },
  };
}
