/**
 * Builds the Ionic app when `apps/ionic/www` is missing or older than any source it is built
 * from, so `npm test -w @baton/e2e` always tests the current code without rebuilding needlessly.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const APP_DIR = path.join(root, 'apps/ionic/www');
const SOURCES = [
  'apps/ionic/src',
  'apps/ionic/angular.json',
  'apps/ionic/tsconfig.app.json',
  'packages/angular/src',
  'packages/client/src',
];

function newestMtime(target: string): number {
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

export function ensureAppBuilt(): void {
  const index = path.join(APP_DIR, 'index.html');
  const sources = Math.max(...SOURCES.map((source) => newestMtime(path.join(root, source))));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const started = performance.now();
  execFileSync('npm', ['run', 'build', '-w', '@baton/ionic-app'], { cwd: root, stdio: 'inherit' });
  console.log(`built the app in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureAppBuilt();
