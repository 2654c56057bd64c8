/**
 * Preloaded into a `baton serve` child (`--import`, after tsx): from SIGUSR2 on, the process's
 * `fdatasync` fails as a dying disk's does, and it says so on stderr once it does.
 */
import { failingFdatasync, useFdatasync } from './fdatasync.js';

process.on('SIGUSR2', () => {
  useFdatasync(failingFdatasync);
  process.stderr.write('fdatasync fails from now on\n');
});
