import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

/** `fs.fdatasync`'s callback form. */
export type Fdatasync = (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => void;

/** The real `fdatasync`, as loaded before any test replaced it. */
export const realFdatasync: Fdatasync = fs.fdatasync;

/**
 * Puts `replacement` where the SQLite store's `fdatasync` import reads it (walSync.ts reads the
 * binding at each call), or the real one back when omitted.
 */
export function useFdatasync(replacement: Fdatasync = realFdatasync): void {
  (fs as { fdatasync: unknown }).fdatasync = replacement;
  syncBuiltinESMExports();
}

/** An `fdatasync` that fails as a dying disk does. */
export const failingFdatasync: Fdatasync = (_fd, done) => {
  done(
    Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO', errno: -5, syscall: 'fdatasync' }),
  );
};
